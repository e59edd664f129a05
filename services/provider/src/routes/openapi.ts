import { pageQuery } from "@crm/kit";
import { z } from "zod";
import { document, type Operation } from "./openapi-builder.js";
import {
  createProviderBody,
  healthView,
  idParams,
  patchProviderBody,
  providerView,
  putQuotaBody,
  quotaView,
  usageItem,
  usageQuery,
} from "./schemas.js";

const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

const OPS: Operation[] = [
  {
    method: "post",
    path: "/api/v1/providers",
    tag: "providers",
    summary: "Create a provider (the API key is stored encrypted, never returned)",
    access: "admin",
    body: createProviderBody,
    responses: { 201: providerView },
  },
  {
    method: "get",
    path: "/api/v1/providers",
    tag: "providers",
    summary: "List providers",
    access: "any user",
    query: pageQuery,
    responses: { 200: page(providerView) },
  },
  {
    method: "get",
    path: "/api/v1/providers/:id",
    tag: "providers",
    summary: "Get a provider",
    access: "any user",
    params: idParams,
    responses: { 200: providerView },
  },
  {
    method: "patch",
    path: "/api/v1/providers/:id",
    tag: "providers",
    summary: "Change a provider (apiKey null removes the key)",
    access: "admin",
    params: idParams,
    body: patchProviderBody,
    responses: { 200: providerView },
  },
  {
    method: "delete",
    path: "/api/v1/providers/:id",
    tag: "providers",
    summary: "Delete a provider",
    access: "admin",
    params: idParams,
    responses: { 204: "Deleted" },
  },
  {
    method: "get",
    path: "/api/v1/providers/:id/health",
    tag: "providers",
    summary:
      "Breaker state per model (reported by orchestrators), recent error rate and latency (from the usage ledger)",
    access: "any user",
    params: idParams,
    responses: { 200: healthView },
  },
  {
    method: "put",
    path: "/api/v1/quotas",
    tag: "quotas",
    summary: "Create or replace the quota of a scope/subject/provider",
    access: "admin",
    body: putQuotaBody,
    responses: { 200: quotaView },
  },
  {
    method: "get",
    path: "/api/v1/quotas",
    tag: "quotas",
    summary: "Quotas that apply to the caller (admin: all) with current consumption",
    access: "any user",
    responses: { 200: z.object({ items: z.array(quotaView) }) },
  },
  {
    method: "delete",
    path: "/api/v1/quotas/:id",
    tag: "quotas",
    summary: "Remove a quota",
    access: "admin",
    params: idParams,
    responses: { 204: "Deleted" },
  },
  {
    method: "get",
    path: "/api/v1/usage",
    tag: "usage",
    summary: "Usage aggregates over a range (default the last 30 days); members see their own",
    access: "any user",
    query: usageQuery,
    responses: {
      200: z.object({
        from: z.string(),
        to: z.string(),
        groupBy: z.string(),
        items: z.array(usageItem.extend({ name: z.string().nullable().optional() })),
      }),
    },
  },
];

export const openApiDocument = () => document("CodeReview Mesh provider service", OPS);
