import { z } from "zod";
import * as s from "./schemas.js";

/** The comparison service's share of the public OpenAPI 3.1 document (paths merged by the gateway). */
const schema = (t: z.ZodType, io: "input" | "output") =>
  z.toJSONSchema(t, { target: "draft-2020-12", io, unrepresentable: "any" });
const problem = {
  description: "Problem details (RFC 9457)",
  content: {
    "application/problem+json": {
      schema: {
        type: "object",
        required: ["type", "title", "status", "detail"],
        properties: {
          type: { type: "string" },
          title: { type: "string" },
          status: { type: "integer" },
          detail: { type: "string" },
          requestId: { type: "string" },
        },
      },
    },
  },
};
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), problem]));
const ok = (description: string, t: z.ZodType) => ({
  description,
  content: { "application/json": { schema: schema(t, "output") } },
});
const requestBody = (t: z.ZodType) => ({
  required: true,
  content: { "application/json": { schema: schema(t, "input") } },
});
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
const op = (tag: string, operationId: string, summary: string, rest: Record<string, unknown>) => ({
  tags: [tag],
  operationId,
  summary,
  security: [{ bearerAuth: [] }, { apiKey: [] }],
  ...rest,
});

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: { title: "CodeReview Mesh: comparison", version: "1.0.0" },
    paths: {
      "/api/v1/comparisons": {
        post: op("comparisons", "createComparison", "Compare two versions on the same files (two analyses)", {
          requestBody: requestBody(s.createComparisonBody),
          responses: { "202": ok("Started", s.comparisonView), ...errors(400, 401, 403, 404, 503) },
        }),
      },
      "/api/v1/comparisons/{id}": {
        get: op("comparisons", "getComparison", "Variants and overlap of their findings", {
          parameters: [idParam],
          responses: { "200": ok("The comparison", s.comparisonView), ...errors(401, 404) },
        }),
      },
      "/api/v1/ab-tests": {
        post: op("ab-tests", "createAbTest", "Start an online A/B test between versions", {
          requestBody: requestBody(s.createAbTestBody),
          responses: { "201": ok("The test", s.abTestView), ...errors(400, 401, 403, 404) },
        }),
      },
      "/api/v1/ab-tests/{id}": {
        get: op("ab-tests", "getAbTest", "One A/B test", {
          parameters: [idParam],
          responses: { "200": ok("The test", s.abTestView), ...errors(401, 404) },
        }),
      },
      "/api/v1/ab-tests/{id}/assignment": {
        get: op("ab-tests", "abAssignment", "The subject's sticky variant", {
          parameters: [idParam, { name: "subject", in: "query", required: true, schema: { type: "string" } }],
          responses: {
            "200": ok("The variant", z.object({ variant: z.number().int(), subject: z.string() })),
            ...errors(400, 401, 404),
          },
        }),
      },
      "/api/v1/ab-tests/{id}/events": {
        post: op("ab-tests", "abEvent", "Record an exposure/accept/reject (once per subject and type)", {
          parameters: [idParam],
          requestBody: requestBody(s.eventBody),
          responses: {
            "202": ok("Recorded", z.object({ variant: z.number().int(), recorded: z.boolean() })),
            ...errors(400, 401, 404, 409),
          },
        }),
      },
      "/api/v1/ab-tests/{id}/results": {
        get: op("ab-tests", "abResults", "Rates, Wilson 95% intervals, z-test p-value, sample-ratio mismatch", {
          parameters: [idParam],
          responses: { "200": ok("Results", s.resultsView), ...errors(401, 404) },
        }),
      },
      "/api/v1/ab-tests/{id}/stop": {
        post: op("ab-tests", "abStop", "Stop; with promote, move `production` to the significant winner", {
          parameters: [idParam],
          requestBody: requestBody(s.stopBody),
          responses: { "200": ok("Final results", s.resultsView), ...errors(400, 401, 403, 404, 409) },
        }),
      },
    },
  };
}
