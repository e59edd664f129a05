// Types of proto/crm/orchestrator/v1/orchestrator.proto (package crm.orchestrator.v1): each message as `X` (what you send)
// and `X__Output` (what you receive), and the service's client/handler/definition types.
// Re-exports only; generated.test.ts fails when a generated file is missing here.
export type * from "./generated/crm/orchestrator/v1/CompleteRequest.js";
export type * from "./generated/crm/orchestrator/v1/CompleteResponse.js";
export type * from "./generated/crm/orchestrator/v1/Finding.js";
export type * from "./generated/crm/orchestrator/v1/Message.js";
export type * from "./generated/crm/orchestrator/v1/OrchestratorService.js";
export type * from "./generated/crm/orchestrator/v1/ReviewCodeRequest.js";
export type * from "./generated/crm/orchestrator/v1/ReviewCodeResponse.js";
export type * from "./generated/crm/orchestrator/v1/ReviewConfig.js";
export type * from "./generated/crm/orchestrator/v1/Usage.js";
export type { ProtoGrpcType } from "./generated/orchestrator.js";
