import { z } from "zod";

/** Request and response shapes of the provider service's REST routes (validation and OpenAPI). */

export const providerKind = z.enum(["openai", "anthropic", "local"]);

export const modelEntry = z.object({
  id: z.string().min(1).max(200),
  inputCostPer1k: z.number().min(0).max(1000),
  outputCostPer1k: z.number().min(0).max(1000),
  contextWindow: z.number().int().min(1).max(100_000_000).optional(),
});

const uniqueIds = (models: { id: string }[]) => new Set(models.map((m) => m.id)).size === models.length;
const models = z.array(modelEntry).max(500).refine(uniqueIds, "model ids must be unique within a provider");
const baseUrl = z.url({ protocol: /^https?$/ }).max(2000);
const apiKey = z.string().min(1).max(8192);

export const createProviderBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  kind: providerKind,
  baseUrl: baseUrl.optional(),
  apiKey: apiKey.optional(),
  models: models.min(1),
  enabled: z.boolean().optional(),
});
export type CreateProviderInput = z.infer<typeof createProviderBody>;

export const patchProviderBody = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  baseUrl: baseUrl.nullable().optional(),
  /** null removes the key. */
  apiKey: apiKey.nullable().optional(),
  models: models.min(1).optional(),
  enabled: z.boolean().optional(),
});
export type PatchProviderInput = z.infer<typeof patchProviderBody>;

export const providerView = z.object({
  id: z.string(),
  name: z.string(),
  kind: providerKind,
  baseUrl: z.string().nullable(),
  hasApiKey: z.boolean(),
  apiKeyLast4: z.string().nullable(),
  models: z.array(modelEntry),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ProviderView = z.infer<typeof providerView>;

export const idParams = z.object({ id: z.uuid() });

export const quotaScope = z.enum(["global", "user", "project"]);

export const putQuotaBody = z
  .strictObject({
    scope: quotaScope,
    subjectId: z.string().min(1).max(200).optional(),
    providerId: z.uuid().optional(),
    /** null (or absent) means no limit of that kind. */
    requestsPerMinute: z.number().int().min(0).max(10_000_000).nullable().optional(),
    tokensPerDay: z.number().int().min(0).max(2_000_000_000).nullable().optional(),
    budgetUsdPerMonth: z.number().min(0).max(10_000_000).nullable().optional(),
  })
  .superRefine((q, ctx) => {
    if (q.scope === "global" && q.subjectId !== undefined)
      ctx.addIssue({ code: "custom", path: ["subjectId"], message: "a global quota has no subjectId" });
    if (q.scope !== "global" && q.subjectId === undefined)
      ctx.addIssue({ code: "custom", path: ["subjectId"], message: `a ${q.scope} quota needs a subjectId` });
  });
export type PutQuotaInput = z.infer<typeof putQuotaBody>;

export const quotaView = z.object({
  id: z.string(),
  scope: quotaScope,
  subjectId: z.string().nullable(),
  providerId: z.string().nullable(),
  requestsPerMinute: z.number().nullable(),
  tokensPerDay: z.number().nullable(),
  budgetUsdPerMonth: z.number().nullable(),
  /** Current consumption; null when the counters are unreachable. */
  consumption: z
    .object({
      requestsThisMinute: z.number(),
      tokensToday: z.number(),
      tokensReserved: z.number(),
      usdThisMonth: z.number(),
      usdReserved: z.number(),
    })
    .nullable(),
  updatedAt: z.string(),
});

export const usageQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  groupBy: z.enum(["provider", "model", "user", "project"]).default("provider"),
});

export const usageItem = z.object({
  key: z.string().nullable(),
  requests: z.number(),
  errors: z.number(),
  cacheHits: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
});

export const healthView = z.object({
  providerId: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  windowSeconds: z.number(),
  status: z.enum(["healthy", "degraded", "down", "unknown"]),
  models: z.array(
    z.object({
      model: z.string(),
      breaker: z.enum(["closed", "open", "halfOpen", "unknown"]),
      instances: z.array(z.object({ instanceId: z.string(), state: z.string(), reportedAt: z.string() })),
      requests: z.number(),
      errors: z.number(),
      errorRate: z.number(),
      latencyMsAvg: z.number().nullable(),
      latencyMsP95: z.number().nullable(),
    }),
  ),
});
