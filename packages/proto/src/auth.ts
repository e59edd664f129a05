// Types of proto/crm/auth/v1/auth.proto (package crm.auth.v1): each message as `X` (what you send)
// and `X__Output` (what you receive), and the service's client/handler/definition types.
// Re-exports only; generated.test.ts fails when a generated file is missing here.
export type * from "./generated/crm/auth/v1/AuthService.js";
export type * from "./generated/crm/auth/v1/GetUserByEmailRequest.js";
export type * from "./generated/crm/auth/v1/GetUserRequest.js";
export type * from "./generated/crm/auth/v1/User.js";
export type * from "./generated/crm/auth/v1/ValidateApiKeyRequest.js";
export type * from "./generated/crm/auth/v1/ValidateApiKeyResponse.js";
export type { ProtoGrpcType } from "./generated/auth.js";
