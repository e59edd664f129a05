import { errorResponses, ok as okResponse, op, openApiDoc, pageParams, pathParam, SECURITY } from "@crm/kit";
import { z } from "zod";
import * as s from "./schemas.js";

/**
 * The auth service's share of the public OpenAPI 3.1 document (served at /openapi.json; the
 * gateway merges `paths` and `components` into /api/openapi.json). Responses are documented by
 * the schemas' input side (open objects): the routes answer domain objects without parsing them
 * through these schemas.
 */
const ok = (description: string, schema?: z.ZodType) => okResponse(description, schema, { io: "input" });

export function openApiDocument(): Record<string, unknown> {
  return openApiDoc({
    title: "CodeReview Mesh: auth",
    paths: {
      "/api/v1/auth/register": {
        post: op({
          tags: ["auth"],
          operationId: "register",
          summary: "Create a member account",
          security: SECURITY.public,
          body: s.registerBody,
          responses: { "201": ok("The new user", s.userView), ...errorResponses(400, 409) },
        }),
      },
      "/api/v1/auth/login": {
        post: op({
          tags: ["auth"],
          operationId: "login",
          summary: "Sign in with e-mail and password",
          security: SECURITY.public,
          body: s.loginBody,
          responses: { "200": ok("Tokens", s.tokenPair), ...errorResponses(400, 401, 403, 429, 503) },
        }),
      },
      "/api/v1/auth/refresh": {
        post: op({
          tags: ["auth"],
          operationId: "refresh",
          security: SECURITY.public,
          summary: "Exchange a refresh token for a new pair (the old one is spent; reusing it revokes its family)",
          body: s.refreshBody,
          responses: { "200": ok("Tokens", s.tokenPair), ...errorResponses(400, 401, 403) },
        }),
      },
      "/api/v1/auth/logout": {
        post: op({
          tags: ["auth"],
          operationId: "logout",
          summary: "Revoke a refresh token and its family",
          security: SECURITY.public,
          body: s.refreshBody,
          responses: { "204": ok("Signed out"), ...errorResponses(400) },
        }),
      },
      "/api/v1/auth/me": {
        get: op({
          tags: ["auth"],
          operationId: "me",
          summary: "The signed-in user",
          security: SECURITY.signedIn,
          responses: { "200": ok("The caller", s.userView), ...errorResponses(401) },
        }),
      },
      "/api/v1/auth/api-keys": {
        post: op({
          tags: ["auth"],
          operationId: "createApiKey",
          summary: "Create an API key (the key is shown once)",
          security: SECURITY.signedIn,
          body: s.createApiKeyBody,
          responses: { "201": ok("The key", s.createdApiKey), ...errorResponses(400, 401) },
        }),
        get: op({
          tags: ["auth"],
          operationId: "listApiKeys",
          summary: "The caller's active API keys (without the keys)",
          security: SECURITY.signedIn,
          parameters: pageParams,
          responses: { "200": ok("A page of keys", s.page(s.apiKeyView)), ...errorResponses(400, 401) },
        }),
      },
      "/api/v1/auth/api-keys/{id}": {
        delete: op({
          tags: ["auth"],
          operationId: "revokeApiKey",
          summary: "Revoke one of the caller's API keys",
          security: SECURITY.signedIn,
          parameters: [pathParam("id", "API key id")],
          responses: { "204": ok("Revoked"), ...errorResponses(401, 404) },
        }),
      },
      "/api/v1/auth/keys/rotate": {
        post: op({
          tags: ["auth"],
          operationId: "rotateSigningKey",
          security: SECURITY.signedIn,
          summary: "Admin: start signing with a new key now (the old one stays in the JWKS until its tokens expire)",
          responses: { "200": ok("The new key id", z.object({ kid: z.string() })), ...errorResponses(401, 403) },
        }),
      },
      "/api/v1/users": {
        get: op({
          tags: ["users"],
          operationId: "listUsers",
          summary: "Admin: list users",
          security: SECURITY.signedIn,
          parameters: pageParams,
          responses: { "200": ok("A page of users", s.page(s.userView)), ...errorResponses(400, 401, 403) },
        }),
      },
      "/api/v1/users/{id}": {
        get: op({
          tags: ["users"],
          operationId: "getUser",
          summary: "Admin: one user",
          security: SECURITY.signedIn,
          parameters: [pathParam("id", "User id")],
          responses: { "200": ok("The user", s.userView), ...errorResponses(401, 403, 404) },
        }),
        patch: op({
          tags: ["users"],
          operationId: "updateUser",
          summary: "Admin: change a user's role or disable them",
          security: SECURITY.signedIn,
          parameters: [pathParam("id", "User id")],
          body: s.patchUserBody,
          responses: { "200": ok("The user", s.userView), ...errorResponses(400, 401, 403, 404, 409) },
        }),
      },
      "/.well-known/jwks.json": {
        get: op({
          tags: ["auth"],
          operationId: "jwks",
          summary: "Public keys that verify access tokens",
          security: SECURITY.public,
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
        }),
      },
    },
  });
}
