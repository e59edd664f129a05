import { z } from "zod";
import * as s from "./schemas.js";

/**
 * The auth service's share of the public OpenAPI 3.1 document (served at /openapi.json; the
 * gateway merges `paths` and `components` into /api/openapi.json). Schemas are inlined, no
 * $ref, so paths can be merged as they are.
 */
const json = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { target: "draft-2020-12", io: "input", unrepresentable: "any" });

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
            items: {
              type: "object",
              properties: { path: { type: "string" }, message: { type: "string" } },
            },
          },
        },
      },
    },
  },
};

const ok = (description: string, schema?: z.ZodType) =>
  schema ? { description, content: { "application/json": { schema: json(schema) } } } : { description };
const requestBody = (schema: z.ZodType) => ({
  required: true,
  content: { "application/json": { schema: json(schema) } },
});
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), problem]));

const PUBLIC: never[] = [];
const SIGNED_IN = [{ bearerAuth: [] }, { apiKey: [] }];
const pageParams = [
  { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100, default: 20 } },
  { name: "cursor", in: "query", schema: { type: "string" } },
];
const idParam = (what: string) => ({
  name: "id",
  in: "path",
  required: true,
  schema: { type: "string" },
  description: what,
});

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: { title: "CodeReview Mesh: auth", version: "1.0.0" },
    components: {
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT or API key" },
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
      },
    },
    paths: {
      "/api/v1/auth/register": {
        post: {
          tags: ["auth"],
          operationId: "register",
          summary: "Create a member account",
          security: PUBLIC,
          requestBody: requestBody(s.registerBody),
          responses: { "201": ok("The new user", s.userView), ...errors(400, 409) },
        },
      },
      "/api/v1/auth/login": {
        post: {
          tags: ["auth"],
          operationId: "login",
          summary: "Sign in with e-mail and password",
          security: PUBLIC,
          requestBody: requestBody(s.loginBody),
          responses: { "200": ok("Tokens", s.tokenPair), ...errors(400, 401, 403, 429, 503) },
        },
      },
      "/api/v1/auth/refresh": {
        post: {
          tags: ["auth"],
          operationId: "refresh",
          security: PUBLIC,
          summary: "Exchange a refresh token for a new pair (the old one is spent; reusing it revokes its family)",
          requestBody: requestBody(s.refreshBody),
          responses: { "200": ok("Tokens", s.tokenPair), ...errors(400, 401, 403) },
        },
      },
      "/api/v1/auth/logout": {
        post: {
          tags: ["auth"],
          operationId: "logout",
          summary: "Revoke a refresh token and its family",
          security: PUBLIC,
          requestBody: requestBody(s.refreshBody),
          responses: { "204": ok("Signed out"), ...errors(400) },
        },
      },
      "/api/v1/auth/me": {
        get: {
          tags: ["auth"],
          operationId: "me",
          summary: "The signed-in user",
          security: SIGNED_IN,
          responses: { "200": ok("The caller", s.userView), ...errors(401) },
        },
      },
      "/api/v1/auth/api-keys": {
        post: {
          tags: ["auth"],
          operationId: "createApiKey",
          summary: "Create an API key (the key is shown once)",
          security: SIGNED_IN,
          requestBody: requestBody(s.createApiKeyBody),
          responses: { "201": ok("The key", s.createdApiKey), ...errors(400, 401) },
        },
        get: {
          tags: ["auth"],
          operationId: "listApiKeys",
          summary: "The caller's active API keys (without the keys)",
          security: SIGNED_IN,
          parameters: pageParams,
          responses: { "200": ok("A page of keys", s.page(s.apiKeyView)), ...errors(400, 401) },
        },
      },
      "/api/v1/auth/api-keys/{id}": {
        delete: {
          tags: ["auth"],
          operationId: "revokeApiKey",
          summary: "Revoke one of the caller's API keys",
          security: SIGNED_IN,
          parameters: [idParam("API key id")],
          responses: { "204": ok("Revoked"), ...errors(401, 404) },
        },
      },
      "/api/v1/auth/keys/rotate": {
        post: {
          tags: ["auth"],
          operationId: "rotateSigningKey",
          security: SIGNED_IN,
          summary: "Admin: start signing with a new key now (the old one stays in the JWKS until its tokens expire)",
          responses: { "200": ok("The new key id", z.object({ kid: z.string() })), ...errors(401, 403) },
        },
      },
      "/api/v1/users": {
        get: {
          tags: ["users"],
          operationId: "listUsers",
          summary: "Admin: list users",
          security: SIGNED_IN,
          parameters: pageParams,
          responses: { "200": ok("A page of users", s.page(s.userView)), ...errors(400, 401, 403) },
        },
      },
      "/api/v1/users/{id}": {
        get: {
          tags: ["users"],
          operationId: "getUser",
          summary: "Admin: one user",
          security: SIGNED_IN,
          parameters: [idParam("User id")],
          responses: { "200": ok("The user", s.userView), ...errors(401, 403, 404) },
        },
        patch: {
          tags: ["users"],
          operationId: "updateUser",
          summary: "Admin: change a user's role or disable them",
          security: SIGNED_IN,
          parameters: [idParam("User id")],
          requestBody: requestBody(s.patchUserBody),
          responses: { "200": ok("The user", s.userView), ...errors(400, 401, 403, 404, 409) },
        },
      },
      "/.well-known/jwks.json": {
        get: {
          tags: ["auth"],
          operationId: "jwks",
          summary: "Public keys that verify access tokens",
          security: PUBLIC,
          responses: {
            "200": {
              description: "JSON Web Key Set",
              content: {
                "application/json": {
                  schema: { type: "object", properties: { keys: { type: "array", items: { type: "object" } } } },
                },
              },
            },
          },
        },
      },
    },
  };
}
