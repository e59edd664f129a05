import { z } from "zod";

/**
 * Building blocks of a part's OpenAPI 3.1 document, served at GET /openapi.json (outside /api);
 * the gateway merges every part's `paths` and `components` into /api/openapi.json. Schemas come
 * from the zod schemas the routes validate with, so the document cannot drift from the code, and
 * are inlined (no $ref) so paths merge as they are.
 *
 * Two ways to write the paths, both over the same pieces:
 * - a list of `RouteDoc`s given to `routePaths` (path parameters, operationId and the 401 answer
 *   are derived), or
 * - a `paths` object written out with `op`, `ok`, `errorResponses`, `pathParam`, `pageParams`.
 */
export type OpenApiObject = Record<string, unknown>;
export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";
export type SecurityRequirement = Record<string, string[]>;

/** Security requirements of an operation: no credentials, or a bearer token or API key. */
export const SECURITY: {
  readonly public: readonly SecurityRequirement[];
  readonly signedIn: readonly SecurityRequirement[];
} = { public: [], signedIn: [{ bearerAuth: [] }, { apiKey: [] }] };

/** The schemes `SECURITY` names; every document declares them. */
export const securitySchemes = {
  bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT or API key" },
  apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
};

/** RFC 9457 problem details, as every error leaves (kit `HttpError`). */
export const problemSchema = {
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

const ERROR_TEXT: Record<string, string> = {
  400: "Invalid request",
  401: "Missing or invalid credentials",
  403: "Authenticated but not allowed",
  404: "Not found (or not visible to the caller)",
  409: "Conflict",
  412: "Precondition failed",
  413: "A configured limit was exceeded",
  415: "Unsupported media type",
  429: "Too many requests",
  503: "A dependency is unavailable",
  default: "Error",
};

/** Problem+json responses for the given statuses ("default": any other status). */
export function errorResponses(...codes: (number | "default")[]): Record<string, OpenApiObject> {
  return Object.fromEntries(
    codes.map((code) => [
      String(code),
      {
        description: ERROR_TEXT[code] ?? "Error",
        content: { "application/problem+json": { schema: problemSchema } },
      },
    ]),
  );
}

/** A zod schema as JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1), without `$schema`. */
export function jsonSchema(schema: z.ZodType, io: "input" | "output" = "input"): OpenApiObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  }) as OpenApiObject;
  return rest;
}

/**
 * A success response; with a schema, its body: by default the schema's output side (what parsing
 * yields, so objects are closed), or its input side (`io: "input"`) for an answer not parsed by it.
 */
export function ok(
  description: string,
  schema?: z.ZodType,
  { type = "application/json", io = "output" }: { type?: string | undefined; io?: "input" | "output" } = {},
): OpenApiObject {
  return schema ? { description, content: { [type]: { schema: jsonSchema(schema, io) } } } : { description };
}

/** A required string path parameter. */
export function pathParam(name: string, description?: string): OpenApiObject {
  return { name, in: "path", required: true, schema: { type: "string" }, ...(description ? { description } : {}) };
}

/** The contract's paging (kit `pageQuery`): `?limit=` and an opaque `?cursor=`. */
export const pageParams: readonly OpenApiObject[] = [
  { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100, default: 20 } },
  { name: "cursor", in: "query", schema: { type: "string" } },
];

/** Query (or path) parameters from the fields of a zod object, required unless optional or defaulted. */
export function zodParams(schema: z.ZodObject, where: "query" | "path"): OpenApiObject[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const s = field as z.ZodType;
    return {
      name,
      in: where,
      required: where === "path" || !s.safeParse(undefined).success,
      ...(s.description ? { description: s.description } : {}),
      schema: jsonSchema(s, "input"),
    };
  });
}

export interface OpSpec {
  summary: string;
  tags: string[];
  operationId?: string;
  description?: string;
  /** Omitted: the document's (the gateway's) default applies. */
  security?: readonly SecurityRequirement[];
  parameters?: readonly OpenApiObject[];
  /** The request body (required), the schema's input side. */
  body?: z.ZodType;
  /** Default application/json. */
  bodyType?: string;
  /** status → response, e.g. `{ 200: ok("The user", userView), ...errorResponses(401, 404) }`. */
  responses: Record<string, OpenApiObject>;
}

/** One operation object. */
export function op(spec: OpSpec): OpenApiObject {
  const { body, bodyType, security, parameters, operationId, description, ...rest } = spec;
  return {
    ...rest,
    ...(operationId ? { operationId } : {}),
    ...(description ? { description } : {}),
    ...(security ? { security: [...security] } : {}),
    ...(parameters?.length ? { parameters: [...parameters] } : {}),
    ...(body
      ? { requestBody: { required: true, content: { [bodyType ?? "application/json"]: { schema: jsonSchema(body) } } } }
      : {}),
  };
}

/** A route of a `routePaths` list. */
export interface RouteDoc {
  method: HttpMethod;
  /** OpenAPI form (/api/v1/projects/{id}) or Express form (/api/v1/projects/:id). */
  path: string;
  summary: string;
  tag: string;
  /** Who may call it, shown as the description. */
  access?: string;
  /** Path parameters; default: every {name} of the path, as a string. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Default application/json. */
  bodyType?: string;
  /** Success responses: status → description and schema (none for 204). */
  ok: Record<number, { description: string; schema?: z.ZodType; type?: string }>;
  /** Error statuses this route answers besides 401 ("default": any other). */
  errors: (number | "default")[];
}

/** A `paths` object from a list of routes; each gets an operationId from its method and path. */
export function routePaths(routes: readonly RouteDoc[]): OpenApiObject {
  const paths: Record<string, OpenApiObject> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, "{$1}");
    const pathParams = r.params
      ? zodParams(r.params, "path")
      : [...path.matchAll(/\{(\w+)\}/g)].map((m) => pathParam(m[1]!));
    const responses: Record<string, OpenApiObject> = {};
    for (const [status, res] of Object.entries(r.ok))
      responses[status] = ok(res.description, res.schema, { type: res.type });
    (paths[path] ??= {})[r.method] = op({
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${path.replace(/\{(\w+)\}/g, "By_$1").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ? c.toUpperCase() : ""))}`,
      ...(r.access ? { description: `Access: ${r.access}.` } : {}),
      parameters: [...pathParams, ...(r.query ? zodParams(r.query, "query") : [])],
      ...(r.body ? { body: r.body } : {}),
      ...(r.bodyType ? { bodyType: r.bodyType } : {}),
      responses: { ...responses, ...errorResponses(401, ...r.errors) },
    });
  }
  return paths;
}

/** A part's whole document: `paths` plus the security schemes its operations name. */
export function openApiDoc({ title, paths }: { title: string; paths: OpenApiObject }): OpenApiObject {
  return { openapi: "3.1.0", info: { title, version: "1.0.0" }, paths, components: { securitySchemes } };
}
