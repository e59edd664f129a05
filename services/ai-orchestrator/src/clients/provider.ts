import { randomUUID } from "node:crypto";
import { currentContext, runWithContext, type GrpcClient, type PartKit, type RequestContext } from "@crm/kit";
import type { provider } from "@crm/proto";
import type { Target } from "../domain/types.js";

/** Catalog entries as the provider service sends them (no credentials). */
export type CatalogProvider = provider.CatalogProvider__Output;
/** One call for the usage ledger (Commit, Release, RecordUsage). */
export type UsageReport = provider.UsageRecord;
/** One breaker's state, for the provider's health view (ReportHealth). */
export type BreakerReport = provider.BreakerReport;

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
      return (await call<provider.Catalog__Output>("ListCatalog", {})).providers;
    },
    async resolve(providerId: string, model: string): Promise<Target> {
      const req = { providerId, model } satisfies provider.ResolveTargetRequest;
      const t = await call<provider.ResolvedTarget__Output>("ResolveTarget", req);
      // Never null from our provider service (it always names the model it resolved).
      if (!t.model) throw new Error("ResolveTarget answered without a model");
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
    reserve: (req: provider.ReserveRequest) => call<provider.Reservation__Output>("Reserve", req),
    commit: async (reservationId: string, usage: UsageReport) =>
      (await call<provider.Ack__Output>("Commit", { reservationId, usage } satisfies provider.CommitRequest)).costUsd,
    release: async (reservationId: string, usage?: UsageReport) => {
      await call("Release", { reservationId, ...(usage ? { usage } : {}) } satisfies provider.ReleaseRequest);
    },
    record: async (usage: UsageReport) => (await call<provider.Ack__Output>("RecordUsage", usage)).costUsd,
    reportHealth: async (instanceId: string, breakers: BreakerReport[]) => {
      await call("ReportHealth", { instanceId, breakers } satisfies provider.HealthReport);
    },
    close: () => client.close(),
  };
}

export type ProviderClient = ReturnType<typeof providerClient>;
