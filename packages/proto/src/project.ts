// Types of proto/crm/project/v1/project.proto (package crm.project.v1): each message as `X` (what you send)
// and `X__Output` (what you receive), and the service's client/handler/definition types.
// Re-exports only; generated.test.ts fails when a generated file is missing here.
export type * from "./generated/crm/project/v1/CheckAccessRequest.js";
export type * from "./generated/crm/project/v1/CheckAccessResponse.js";
export type * from "./generated/crm/project/v1/FileChunk.js";
export type * from "./generated/crm/project/v1/FileInfo.js";
export type * from "./generated/crm/project/v1/GetFilesRequest.js";
export type * from "./generated/crm/project/v1/ListFilesRequest.js";
export type * from "./generated/crm/project/v1/ListFilesResponse.js";
export type * from "./generated/crm/project/v1/ListUserProjectsRequest.js";
export type * from "./generated/crm/project/v1/ListUserProjectsResponse.js";
export type * from "./generated/crm/project/v1/ProjectMembership.js";
export type * from "./generated/crm/project/v1/ProjectService.js";
export type { ProtoGrpcType } from "./generated/project.js";
