import { openApiDoc, pageQuery, routePaths, type RouteDoc } from "@crm/kit";
import { z } from "zod";
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

const ROUTES: RouteDoc[] = [
  {
    method: "post",
    path: "/api/v1/providers",
    tag: "providers",
    summary: "Create a provider (the API key is stored encrypted, never returned)",
    access: "admin",
    body: createProviderBody,
    ok: { 201: { description: "OK", schema: providerView } },
    errors: ["default"],
  },
  {
    method: "get",
    path: "/api/v1/providers",
    tag: "providers",
    summary: "List providers",
    access: "any user",
    query: pageQuery,
    ok: { 200: { description: "OK", schema: page(providerView) } },
    errors: ["default"],
  },
  {
    method: "get",
    path: "/api/v1/providers/:id",
    tag: "providers",
    summary: "Get a provider",
    access: "any user",
    params: idParams,
    ok: { 200: { description: "OK", schema: providerView } },
    errors: ["default"],
  },
  {
    method: "patch",
    path: "/api/v1/providers/:id",
    tag: "providers",
    summary: "Change a provider (apiKey null removes the key)",
    access: "admin",
    params: idParams,
    body: patchProviderBody,
    ok: { 200: { description: "OK", schema: providerView } },
    errors: ["default"],
  },
  {
    method: "delete",
    path: "/api/v1/providers/:id",
    tag: "providers",
    summary: "Delete a provider",
    access: "admin",
    params: idParams,
    ok: { 204: { description: "Deleted" } },
    errors: ["default"],
  },
  {
    method: "get",
    path: "/api/v1/providers/:id/health",
    tag: "providers",
    summary:
      "Breaker state per model (reported by orchestrators), recent error rate and latency (from the usage ledger)",
    access: "any user",
    params: idParams,
    ok: { 200: { description: "OK", schema: healthView } },
    errors: ["default"],
  },
  {
    method: "put",
    path: "/api/v1/quotas",
    tag: "quotas",
    summary: "Create or replace the quota of a scope/subject/provider",
    access: "admin",
    body: putQuotaBody,
    ok: { 200: { description: "OK", schema: quotaView } },
    errors: ["default"],
  },
  {
    method: "get",
    path: "/api/v1/quotas",
    tag: "quotas",
    summary: "Quotas that apply to the caller (admin: all) with current consumption",
    access: "any user",
    ok: { 200: { description: "OK", schema: z.object({ items: z.array(quotaView) }) } },
    errors: ["default"],
  },
  {
    method: "delete",
    path: "/api/v1/quotas/:id",
    tag: "quotas",
    summary: "Remove a quota",
    access: "admin",
    params: idParams,
    ok: { 204: { description: "Deleted" } },
    errors: ["default"],
  },
  {
    method: "get",
    path: "/api/v1/usage",
    tag: "usage",
    summary: "Usage aggregates over a range (default the last 30 days); members see their own",
    access: "any user",
    query: usageQuery,
    ok: {
      200: {
        description: "OK",
        schema: z.object({
          from: z.string(),
          to: z.string(),
          groupBy: z.string(),
          items: z.array(usageItem.extend({ name: z.string().nullable().optional() })),
        }),
      },
    },
    errors: ["default"],
  },
];

export const openApiDocument = () =>
  openApiDoc({ title: "CodeReview Mesh provider service", paths: routePaths(ROUTES) });
