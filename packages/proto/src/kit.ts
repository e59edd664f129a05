// Types of proto/crm/kit/v1/echo.proto (package crm.kit.v1): each message as `X` (what you send)
// and `X__Output` (what you receive), and the service's client/handler/definition types.
// Re-exports only; generated.test.ts fails when a generated file is missing here.
export type * from "./generated/crm/kit/v1/CountRequest.js";
export type * from "./generated/crm/kit/v1/EchoRequest.js";
export type * from "./generated/crm/kit/v1/EchoResponse.js";
export type * from "./generated/crm/kit/v1/EchoService.js";
export type { ProtoGrpcType } from "./generated/echo.js";
