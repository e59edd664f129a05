// Types of proto/crm/provider/v1/provider.proto (package crm.provider.v1): each message as `X` (what you send)
// and `X__Output` (what you receive), and the service's client/handler/definition types.
// Re-exports only; generated.test.ts fails when a generated file is missing here.
export type * from "./generated/crm/provider/v1/Ack.js";
export type * from "./generated/crm/provider/v1/BreakerReport.js";
export type * from "./generated/crm/provider/v1/Catalog.js";
export type * from "./generated/crm/provider/v1/CatalogProvider.js";
export type * from "./generated/crm/provider/v1/CommitRequest.js";
export type * from "./generated/crm/provider/v1/HealthReport.js";
export type * from "./generated/crm/provider/v1/ListCatalogRequest.js";
export type * from "./generated/crm/provider/v1/Model.js";
export type * from "./generated/crm/provider/v1/ProviderService.js";
export type * from "./generated/crm/provider/v1/ReleaseRequest.js";
export type * from "./generated/crm/provider/v1/Reservation.js";
export type * from "./generated/crm/provider/v1/ReserveRequest.js";
export type * from "./generated/crm/provider/v1/ResolveTargetRequest.js";
export type * from "./generated/crm/provider/v1/ResolvedTarget.js";
export type * from "./generated/crm/provider/v1/UsageRecord.js";
export type { ProtoGrpcType } from "./generated/provider.js";
