import { z } from "zod";

/**
 * A tiny OpenAPI 3.1 `paths` builder over the same zod schemas the routes validate with, so
 * the document cannot drift from the code. The gateway merges every part's /openapi.json.
 */
export interface Operation {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  summary: string;
  tag: string;
  /** Who may call it, shown in the description. */
  access?: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** status → response schema (JSON) or a description. */
  responses: Record<number, z.ZodType | string>;
}

const PROBLEM = { $ref: "#/components/schemas/Problem" };
const toSchema = (s: z.ZodType, io: "input" | "output") =>
  z.toJSONSchema(s, { io, unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;

function parameters(schema: z.ZodObject | undefined, where: "path" | "query") {
  if (!schema) return [];
  const json = toSchema(schema, "input") as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    schema: s,
  }));
}

export function buildPaths(ops: Operation[]): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ops) {
    const path = op.path.replace(/:(\w+)/g, "{$1}");
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(op.responses)) {
      responses[status] =
        typeof r === "string"
          ? { description: r }
          : { description: "OK", content: { "application/json": { schema: toSchema(r, "output") } } };
    }
    responses.default = { description: "Error", content: { "application/problem+json": { schema: PROBLEM } } };
    (paths[path] ??= {})[op.method] = {
      summary: op.summary,
      tags: [op.tag],
      ...(op.access ? { description: `Access: ${op.access}.` } : {}),
      parameters: [...parameters(op.params, "path"), ...parameters(op.query, "query")],
      ...(op.body
        ? { requestBody: { required: true, content: { "application/json": { schema: toSchema(op.body, "input") } } } }
        : {}),
      responses,
    };
  }
  return paths;
}

export const problemSchema = {
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
};

export function document(title: string, ops: Operation[]) {
  return {
    openapi: "3.1.0",
    info: { title, version: "1.0.0" },
    paths: buildPaths(ops),
    components: { schemas: { Problem: problemSchema } },
  };
}
