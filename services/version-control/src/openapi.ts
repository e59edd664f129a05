import { z } from "zod";

/**
 * This part's routes as an OpenAPI 3.1 `paths` object, served at GET /openapi.json (outside /api);
 * the gateway merges every part's document into the published contract. Request schemas are the
 * zod schemas the routes validate with, so the document cannot drift from the code.
 */
export interface RouteDoc {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI form, e.g. /api/v1/projects/{id}. */
  path: string;
  summary: string;
  tag: string;
  body?: z.ZodType;
  /** Default application/json. */
  bodyType?: string;
  query?: z.ZodObject;
  /** Success responses: status → description and schema (none for 204). */
  ok: Record<number, { description: string; schema?: z.ZodType; type?: string }>;
  /** Error statuses this route answers besides 401. */
  errors: number[];
}

const PROBLEM = {
  type: "object",
  description: "RFC 9457 problem details",
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
};

const ERROR_TEXT: Record<number, string> = {
  400: "Invalid request",
  401: "Missing or invalid credentials",
  403: "Authenticated but not allowed",
  404: "Not found (or not visible to the caller)",
  409: "Conflict",
  412: "Precondition failed",
  413: "A configured limit was exceeded",
  415: "Unsupported media type",
  503: "A dependency is unavailable",
};

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

export function openApiDocument(title: string, routes: RouteDoc[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const parameters: unknown[] = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    if (r.query) {
      for (const [name, field] of Object.entries(r.query.shape)) {
        const schema = field as z.ZodType;
        parameters.push({
          name,
          in: "query",
          required: !schema.safeParse(undefined).success,
          ...(schema.description ? { description: schema.description } : {}),
          schema: jsonSchema(schema, "input"),
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, ok] of Object.entries(r.ok)) {
      responses[status] = {
        description: ok.description,
        ...(ok.schema
          ? { content: { [ok.type ?? "application/json"]: { schema: jsonSchema(ok.schema, "output") } } }
          : {}),
      };
    }
    for (const status of [401, ...r.errors]) {
      responses[String(status)] = {
        description: ERROR_TEXT[status] ?? "Error",
        content: { "application/problem+json": { schema: PROBLEM } },
      };
    }
    (paths[r.path] ??= {})[r.method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${r.path.replace(/\{(\w+)\}/g, "By_$1").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ? c.toUpperCase() : ""))}`,
      ...(parameters.length ? { parameters } : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: { [r.bodyType ?? "application/json"]: { schema: jsonSchema(r.body, "input") } },
            },
          }
        : {}),
      responses,
    };
  }
  return { openapi: "3.1.0", info: { title, version: "1.0.0" }, paths };
}
