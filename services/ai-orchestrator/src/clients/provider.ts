import { randomUUID } from "node:crypto";
import { currentContext, runWithContext, type GrpcClient, type PartKit, type RequestContext } from "@crm/kit";
import type { Target } from "../domain/types.js";

/** Catalog entries as the provider service sends them (no credentials). */
export interface CatalogProvider {
  id: string;
  name: string;
  kind: string;
  models: { id: string; inputCostPerThousand: number; outputCostPerThousand: number; contextWindow: number }[];
}

export interface UsageReport {
  requestId: string;
  userId: string;
  projectId: string;
  providerId: string;
  providerName: string;
  model: string;
  requestedModel: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
  cacheHit: boolean;
  outcome: string;
  error: string;
}

export interface BreakerReport {
  providerId: string;
  model: string;
  state: string;
  failures: number;
  successes: number;
  rejects: number;
  latencyMeanMs: number;
}

/**
 * The provider service, always called as this service (identity role "service"): it hands
 * out credentials only to mesh services, never on a user's forwarded identity. The request id
 * and deadline of the request in progress still travel with every call.
 */
export function providerClient(kit: PartKit, address: string) {
  const client: GrpcClient = kit.grpcClient({
    peer: "provider",
    address,
    file: "crm/provider/v1/provider.proto",
    service: "crm.provider.v1.ProviderService",
    idempotent: ["ListCatalog", "ResolveTarget"],
    timeoutMs: 5000,
  });
  const asService = <T>(fn: () => Promise<T>): Promise<T> => {
    const ctx = currentContext();
    const own: RequestContext = { requestId: ctx?.requestId ?? randomUUID() };
    if (ctx?.deadline !== undefined) own.deadline = ctx.deadline;
    return runWithContext(own, fn);
  };
  const call = <T>(method: string, req: object) => asService(() => client.unary<T>(method, req));

  return {
    client,
    async catalog(): Promise<CatalogProvider[]> {
      return (await call<{ providers: CatalogProvider[] }>("ListCatalog", {})).providers;
    },
    async resolve(providerId: string, model: string): Promise<Target> {
      const t = await call<{
        providerId: string;
        providerName: string;
        kind: string;
        baseUrl: string;
        apiKey: string;
        model: CatalogProvider["models"][number];
      }>("ResolveTarget", { providerId, model });
      return {
        providerId: t.providerId,
        providerName: t.providerName,
        kind: t.kind,
        baseUrl: t.baseUrl,
        apiKey: t.apiKey,
        model: t.model.id,
        inputCostPer1k: t.model.inputCostPerThousand,
        outputCostPer1k: t.model.outputCostPerThousand,
        contextWindow: t.model.contextWindow,
      };
    },
    reserve: (req: {
      userId: string;
      projectId: string;
      providerId: string;
      model: string;
      estimatedInputTokens: number;
      maxOutputTokens: number;
    }) => call<{ reservationId: string; estimatedCostUsd: number; quotaIds: string[] }>("Reserve", req),
    commit: async (reservationId: string, usage: UsageReport) =>
      (await call<{ costUsd: number }>("Commit", { reservationId, usage })).costUsd,
    release: async (reservationId: string, usage?: UsageReport) => {
      await call("Release", { reservationId, ...(usage ? { usage } : {}) });
    },
    record: async (usage: UsageReport) => (await call<{ costUsd: number }>("RecordUsage", usage)).costUsd,
    reportHealth: async (instanceId: string, breakers: BreakerReport[]) => {
      await call("ReportHealth", { instanceId, breakers });
    },
    close: () => client.close(),
  };
}

export type ProviderClient = ReturnType<typeof providerClient>;
