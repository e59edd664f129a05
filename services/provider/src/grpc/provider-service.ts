import { currentContext, forbidden, type GrpcServiceRegistration } from "@crm/kit";
import type { provider } from "@crm/proto";
import type { ModelEntry } from "../data/providers.js";
import type { HealthService } from "../domain/health.js";
import { modelsOf, type ProviderService } from "../domain/providers.js";
import type { QuotaService, UsageInput } from "../domain/quotas.js";

/** Credentials and quota operations are for mesh peers acting as themselves, never a user. */
function requireService(): void {
  if (currentContext()?.identity?.role !== "service") throw forbidden("ProviderService is for mesh services only");
}

const modelMsg = (m: ModelEntry): provider.Model => ({
  id: m.id,
  inputCostPerThousand: m.inputCostPer1k,
  outputCostPerThousand: m.outputCostPer1k,
  contextWindow: m.contextWindow ?? 0,
});

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);
const nonNegative = (n: number) => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);

function usageOf(u: provider.UsageRecord__Output | null | undefined): UsageInput | undefined {
  if (!u) return undefined;
  return {
    requestId: clip(u.requestId || currentContext()?.requestId || "unknown", 128),
    userId: clip(u.userId || "unknown", 200),
    projectId: u.projectId || null,
    providerId: /^[0-9a-f-]{36}$/i.test(u.providerId) ? u.providerId : null,
    providerName: u.providerName || null,
    model: clip(u.model || "unknown", 200),
    requestedModel: u.requestedModel || null,
    inputTokens: nonNegative(u.inputTokens),
    outputTokens: nonNegative(u.outputTokens),
    costUsd: Math.max(0, u.costUsd || 0),
    latencyMs: nonNegative(u.latencyMs),
    cacheHit: u.cacheHit,
    outcome: clip(u.outcome || "ok", 32),
    error: u.error ? clip(u.error, 1000) : null,
  };
}

export function providerGrpc(deps: {
  providers: ProviderService;
  quotas: QuotaService;
  health: HealthService;
}): GrpcServiceRegistration {
  const { providers, quotas, health } = deps;
  return {
    file: "crm/provider/v1/provider.proto",
    service: "crm.provider.v1.ProviderService",
    handlers: {
      async ListCatalog(): Promise<provider.Catalog> {
        requireService();
        const rows = await providers.catalog();
        return {
          providers: rows.map((r) => ({ id: r.id, name: r.name, kind: r.kind, models: modelsOf(r).map(modelMsg) })),
        };
      },
      async ResolveTarget(req: provider.ResolveTargetRequest__Output): Promise<provider.ResolvedTarget> {
        requireService();
        const t = await providers.resolveTarget(req.providerId, req.model);
        return { ...t, model: modelMsg(t.model) };
      },
      async Reserve(req: provider.ReserveRequest__Output): Promise<provider.Reservation> {
        requireService();
        return quotas.reserve({
          userId: req.userId || "unknown",
          projectId: req.projectId || null,
          providerId: req.providerId,
          model: req.model,
          estimatedInputTokens: nonNegative(req.estimatedInputTokens),
          maxOutputTokens: req.maxOutputTokens > 0 ? req.maxOutputTokens : null,
        });
      },
      async Commit(req: provider.CommitRequest__Output): Promise<provider.Ack> {
        requireService();
        return { costUsd: await quotas.commit(req.reservationId, usageOf(req.usage)) };
      },
      async Release(req: provider.ReleaseRequest__Output): Promise<provider.Ack> {
        requireService();
        await quotas.release(req.reservationId, usageOf(req.usage));
        return { costUsd: 0 };
      },
      async RecordUsage(req: provider.UsageRecord__Output): Promise<provider.Ack> {
        requireService();
        return { costUsd: await quotas.record(usageOf(req)!) };
      },
      async ReportHealth(req: provider.HealthReport__Output): Promise<provider.Ack> {
        requireService();
        await health.report(clip(req.instanceId || "unknown", 200), req.breakers);
        return { costUsd: 0 };
      },
    },
  };
}
