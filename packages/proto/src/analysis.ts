// Types of proto/crm/analysis/v1/analysis.proto (package crm.analysis.v1): each message as `X` (what you send)
// and `X__Output` (what you receive), and the service's client/handler/definition types.
// Re-exports only; generated.test.ts fails when a generated file is missing here.
export type * from "./generated/crm/analysis/v1/AnalysisResult.js";
export type * from "./generated/crm/analysis/v1/AnalysisService.js";
export type * from "./generated/crm/analysis/v1/Finding.js";
export type * from "./generated/crm/analysis/v1/GetResultRequest.js";
export type * from "./generated/crm/analysis/v1/ListFindingsRequest.js";
export type * from "./generated/crm/analysis/v1/ListFindingsResponse.js";
export type * from "./generated/crm/analysis/v1/Progress.js";
export type * from "./generated/crm/analysis/v1/RunRequest.js";
export type * from "./generated/crm/analysis/v1/Summary.js";
export type * from "./generated/crm/analysis/v1/Thresholds.js";
export type * from "./generated/crm/analysis/v1/WaitForResultRequest.js";
export type { ProtoGrpcType } from "./generated/analysis.js";
