// Types of proto/crm/versioning/v1/versioning.proto (package crm.versioning.v1): each message as `X` (what you send)
// and `X__Output` (what you receive), and the service's client/handler/definition types.
// Re-exports only; generated.test.ts fails when a generated file is missing here.
export type * from "./generated/crm/versioning/v1/GetVersionRequest.js";
export type * from "./generated/crm/versioning/v1/MoveLabelRequest.js";
export type * from "./generated/crm/versioning/v1/ResolveLabelRequest.js";
export type * from "./generated/crm/versioning/v1/ResolvedLabel.js";
export type * from "./generated/crm/versioning/v1/Version.js";
export type * from "./generated/crm/versioning/v1/VersionService.js";
export type { ProtoGrpcType } from "./generated/versioning.js";
