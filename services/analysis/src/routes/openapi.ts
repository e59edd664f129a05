import { z } from "zod";
import * as s from "./schemas.js";

/**
 * The analysis service's share of the public OpenAPI 3.1 document (served at /openapi.json; the
 * gateway merges `paths` into /api/openapi.json). Schemas are inlined (no $ref) so paths merge as
 * they are.
 */
const json = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { target: "draft-2020-12", io: "input", unrepresentable: "any" });
const out = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { target: "draft-2020-12", io: "output", unrepresentable: "any" });

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
          errors: {
            type: "array",
            items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } },
          },
        },
      },
    },
  },
};
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), problem]));
const ok = (description: string, schema: z.ZodType) => ({
  description,
  content: { "application/json": { schema: out(schema) } },
});
const SIGNED_IN = [{ bearerAuth: [] }, { apiKey: [] }];
const idParam = (what: string) => ({
  name: "id",
  in: "path",
  required: true,
  schema: { type: "string" },
  description: what,
});
const pageParams = [
  { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100, default: 20 } },
  { name: "cursor", in: "query", schema: { type: "string" } },
];
const op = (operationId: string, summary: string, rest: Record<string, unknown>) => ({
  tags: ["analyses"],
  operationId,
  summary,
  security: SIGNED_IN,
  ...rest,
});

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: { title: "CodeReview Mesh: analysis", version: "1.0.0" },
    components: {
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT or API key" },
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
      },
    },
    paths: {
      "/api/v1/projects/{id}/analyses": {
        post: op("createAnalysis", "Queue an analysis of the project's files or of a unified diff", {
          parameters: [idParam("Project id")],
          requestBody: { required: true, content: { "application/json": { schema: json(s.createAnalysisBody) } } },
          responses: { "202": ok("Queued", s.analysisView), ...errors(400, 401, 403, 404, 503) },
        }),
        get: op("listAnalyses", "The project's analyses, newest first", {
          parameters: [idParam("Project id"), ...pageParams],
          responses: { "200": ok("A page of analyses", s.page(s.analysisView)), ...errors(400, 401, 404) },
        }),
      },
      "/api/v1/analyses/{id}": {
        get: op("getAnalysis", "Status, progress, summary and quality gate of an analysis", {
          parameters: [idParam("Analysis id")],
          responses: { "200": ok("The analysis", s.analysisView), ...errors(401, 404) },
        }),
      },
      "/api/v1/analyses/{id}/findings": {
        get: op("listFindings", "Findings by path and line; `path` ending in / matches a folder", {
          parameters: [
            idParam("Analysis id"),
            {
              name: "severity",
              in: "query",
              schema: { type: "string" },
              description: "One or more of info,low,medium,high,critical (comma-separated)",
            },
            { name: "path", in: "query", schema: { type: "string" } },
            ...pageParams,
          ],
          responses: { "200": ok("A page of findings", s.page(s.findingView)), ...errors(400, 401, 404) },
        }),
      },
      "/api/v1/analyses/{id}/sarif": {
        get: op("getSarif", "The findings as SARIF 2.1.0 (GitHub code scanning, reviewdog, SonarQube)", {
          parameters: [idParam("Analysis id")],
          responses: {
            "200": {
              description: "SARIF log",
              content: { "application/sarif+json": { schema: { type: "object" } } },
            },
            ...errors(401, 404),
          },
        }),
      },
      "/api/v1/analyses/{id}/events": {
        get: op("analysisEvents", "Server-sent `progress` events, then one `end` event with the analysis", {
          parameters: [idParam("Analysis id")],
          responses: {
            "200": { description: "Event stream", content: { "text/event-stream": { schema: { type: "string" } } } },
            ...errors(401, 404),
          },
        }),
      },
      "/api/v1/analyses/{id}/cancel": {
        post: op("cancelAnalysis", "Cancel a queued or running analysis", {
          parameters: [idParam("Analysis id")],
          responses: { "202": ok("Cancelling (or already over)", s.analysisView), ...errors(401, 403, 404) },
        }),
      },
    },
  };
}
