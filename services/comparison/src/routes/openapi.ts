import { errorResponses, ok, op, openApiDoc, pathParam, SECURITY, type OpSpec } from "@crm/kit";
import { z } from "zod";
import * as s from "./schemas.js";

/** The comparison service's share of the public OpenAPI 3.1 document (paths merged by the gateway). */
const signedIn = (tag: string, operationId: string, summary: string, rest: Omit<OpSpec, "tags" | "summary">) =>
  op({ tags: [tag], operationId, summary, security: SECURITY.signedIn, ...rest });
const idParam = pathParam("id");

export function openApiDocument(): Record<string, unknown> {
  return openApiDoc({
    title: "CodeReview Mesh: comparison",
    paths: {
      "/api/v1/comparisons": {
        post: signedIn("comparisons", "createComparison", "Compare two versions on the same files (two analyses)", {
          body: s.createComparisonBody,
          responses: { "202": ok("Started", s.comparisonView), ...errorResponses(400, 401, 403, 404, 503) },
        }),
      },
      "/api/v1/comparisons/{id}": {
        get: signedIn("comparisons", "getComparison", "Variants and overlap of their findings", {
          parameters: [idParam],
          responses: { "200": ok("The comparison", s.comparisonView), ...errorResponses(401, 404) },
        }),
      },
      "/api/v1/ab-tests": {
        post: signedIn("ab-tests", "createAbTest", "Start an online A/B test between versions", {
          body: s.createAbTestBody,
          responses: { "201": ok("The test", s.abTestView), ...errorResponses(400, 401, 403, 404) },
        }),
      },
      "/api/v1/ab-tests/{id}": {
        get: signedIn("ab-tests", "getAbTest", "One A/B test", {
          parameters: [idParam],
          responses: { "200": ok("The test", s.abTestView), ...errorResponses(401, 404) },
        }),
      },
      "/api/v1/ab-tests/{id}/assignment": {
        get: signedIn("ab-tests", "abAssignment", "The subject's sticky variant", {
          parameters: [idParam, { name: "subject", in: "query", required: true, schema: { type: "string" } }],
          responses: {
            "200": ok("The variant", z.object({ variant: z.number().int(), subject: z.string() })),
            ...errorResponses(400, 401, 404),
          },
        }),
      },
      "/api/v1/ab-tests/{id}/events": {
        post: signedIn("ab-tests", "abEvent", "Record an exposure/accept/reject (once per subject and type)", {
          parameters: [idParam],
          body: s.eventBody,
          responses: {
            "202": ok("Recorded", z.object({ variant: z.number().int(), recorded: z.boolean() })),
            ...errorResponses(400, 401, 404, 409),
          },
        }),
      },
      "/api/v1/ab-tests/{id}/results": {
        get: signedIn("ab-tests", "abResults", "Rates, Wilson 95% intervals, z-test p-value, sample-ratio mismatch", {
          parameters: [idParam],
          responses: { "200": ok("Results", s.resultsView), ...errorResponses(401, 404) },
        }),
      },
      "/api/v1/ab-tests/{id}/stop": {
        post: signedIn("ab-tests", "abStop", "Stop; with promote, move `production` to the significant winner", {
          parameters: [idParam],
          body: s.stopBody,
          responses: { "200": ok("Final results", s.resultsView), ...errorResponses(400, 401, 403, 404, 409) },
        }),
      },
    },
  });
}
