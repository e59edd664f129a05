import { errorResponses, ok, op, openApiDoc, pageParams, pathParam, SECURITY, type OpSpec } from "@crm/kit";
import * as s from "./schemas.js";

/**
 * The analysis service's share of the public OpenAPI 3.1 document (served at /openapi.json; the
 * gateway merges `paths` into /api/openapi.json).
 */
const analysisOp = (operationId: string, summary: string, rest: Omit<OpSpec, "tags" | "summary">) =>
  op({ tags: ["analyses"], operationId, summary, security: SECURITY.signedIn, ...rest });

export function openApiDocument(): Record<string, unknown> {
  return openApiDoc({
    title: "CodeReview Mesh: analysis",
    paths: {
      "/api/v1/projects/{id}/analyses": {
        post: analysisOp("createAnalysis", "Queue an analysis of the project's files or of a unified diff", {
          parameters: [pathParam("id", "Project id")],
          body: s.createAnalysisBody,
          responses: { "202": ok("Queued", s.analysisView), ...errorResponses(400, 401, 403, 404, 503) },
        }),
        get: analysisOp("listAnalyses", "The project's analyses, newest first", {
          parameters: [pathParam("id", "Project id"), ...pageParams],
          responses: { "200": ok("A page of analyses", s.page(s.analysisView)), ...errorResponses(400, 401, 404) },
        }),
      },
      "/api/v1/analyses/{id}": {
        get: analysisOp("getAnalysis", "Status, progress, summary and quality gate of an analysis", {
          parameters: [pathParam("id", "Analysis id")],
          responses: { "200": ok("The analysis", s.analysisView), ...errorResponses(401, 404) },
        }),
      },
      "/api/v1/analyses/{id}/findings": {
        get: analysisOp("listFindings", "Findings by path and line; `path` ending in / matches a folder", {
          parameters: [
            pathParam("id", "Analysis id"),
            {
              name: "severity",
              in: "query",
              schema: { type: "string" },
              description: "One or more of info,low,medium,high,critical (comma-separated)",
            },
            { name: "path", in: "query", schema: { type: "string" } },
            ...pageParams,
          ],
          responses: { "200": ok("A page of findings", s.page(s.findingView)), ...errorResponses(400, 401, 404) },
        }),
      },
      "/api/v1/analyses/{id}/sarif": {
        get: analysisOp("getSarif", "The findings as SARIF 2.1.0 (GitHub code scanning, reviewdog, SonarQube)", {
          parameters: [pathParam("id", "Analysis id")],
          responses: {
            "200": {
              description: "SARIF log",
              content: { "application/sarif+json": { schema: { type: "object" } } },
            },
            ...errorResponses(401, 404),
          },
        }),
      },
      "/api/v1/analyses/{id}/events": {
        get: analysisOp("analysisEvents", "Server-sent `progress` events, then one `end` event with the analysis", {
          parameters: [pathParam("id", "Analysis id")],
          responses: {
            "200": { description: "Event stream", content: { "text/event-stream": { schema: { type: "string" } } } },
            ...errorResponses(401, 404),
          },
        }),
      },
      "/api/v1/analyses/{id}/cancel": {
        post: analysisOp("cancelAnalysis", "Cancel a queued or running analysis", {
          parameters: [pathParam("id", "Analysis id")],
          responses: { "202": ok("Cancelling (or already over)", s.analysisView), ...errorResponses(401, 403, 404) },
        }),
      },
    },
  });
}
