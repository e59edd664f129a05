import { notFound, type Logger, type Redis } from "@crm/kit";
import type { ProviderStore } from "../data/providers.js";
import type { UsageStore } from "../data/usage.js";
import { modelsOf } from "./providers.js";

/**
 * Provider health. Where the truth lives:
 * - breaker state belongs to the orchestrator processes that own the breakers; each reports its
 *   states (ReportHealth) and they are kept in Redis per provider, per model, per instance, for
 *   REPORT_TTL_MS (an instance that stops reporting drops out);
 * - error rate and latency come from the usage ledger in Postgres, which every call lands in:
 *   one truth for every replica, and it survives restarts.
 */
export interface BreakerReport {
  providerId: string;
  model: string;
  state: string;
  failures: number;
  successes: number;
  rejects: number;
  latencyMeanMs: number;
}

const REPORT_TTL_MS = 60_000;
const healthKey = (providerId: string) => `health:${providerId}`;
const SEP = "\u0000";

type State = "closed" | "open" | "halfOpen" | "unknown";

/** Any open instance makes the model open for callers; then any half-open one. */
function combine(states: string[]): State {
  if (states.length === 0) return "unknown";
  if (states.includes("open")) return "open";
  if (states.includes("halfOpen")) return "halfOpen";
  return "closed";
}

export function healthService(deps: {
  providers: ProviderStore;
  usage: UsageStore;
  redis: Redis;
  windowSeconds: number;
  logger: Logger;
}) {
  const { redis, usage } = deps;
  const log = deps.logger.child({ component: "health" });
  return {
    async report(instanceId: string, breakers: BreakerReport[]): Promise<void> {
      const at = Date.now();
      const pipeline = redis.multi();
      for (const b of breakers) {
        const value = JSON.stringify({
          state: b.state,
          at,
          failures: b.failures,
          successes: b.successes,
          rejects: b.rejects,
          latencyMeanMs: b.latencyMeanMs,
        });
        pipeline.hset(healthKey(b.providerId), `${b.model}${SEP}${instanceId}`, value);
        pipeline.pexpire(healthKey(b.providerId), REPORT_TTL_MS * 10);
      }
      await pipeline.exec();
    },

    async get(providerId: string) {
      const row = await deps.providers.get(providerId);
      if (!row) throw notFound("Provider");
      const since = new Date(Date.now() - deps.windowSeconds * 1000);
      const stats = await usage.modelStats(providerId, since);
      let reports: Record<string, string> = {};
      try {
        reports = await redis.hgetall(healthKey(providerId));
      } catch (err) {
        log.warn({ err: { message: (err as Error).message } }, "breaker reports unreachable");
      }
      const byModel = new Map<string, { instanceId: string; state: string; reportedAt: string }[]>();
      const stale: string[] = [];
      for (const [field, raw] of Object.entries(reports)) {
        const [model = "", instanceId = ""] = field.split(SEP);
        const r = JSON.parse(raw) as { state: string; at: number };
        if (Date.now() - r.at > REPORT_TTL_MS) {
          stale.push(field);
          continue;
        }
        const list = byModel.get(model) ?? [];
        list.push({ instanceId, state: r.state, reportedAt: new Date(r.at).toISOString() });
        byModel.set(model, list);
      }
      if (stale.length) await redis.hdel(healthKey(providerId), ...stale).catch(() => undefined);

      const names = new Set([...modelsOf(row).map((m) => m.id), ...stats.map((s) => s.model), ...byModel.keys()]);
      const models = [...names].map((model) => {
        const s = stats.find((x) => x.model === model);
        const instances = byModel.get(model) ?? [];
        const requests = s?.requests ?? 0;
        const errors = s?.errors ?? 0;
        return {
          model,
          breaker: combine(instances.map((i) => i.state)),
          instances,
          requests,
          errors,
          errorRate: requests ? Math.round((errors / requests) * 1000) / 1000 : 0,
          latencyMsAvg: s?.latencyMsAvg ?? null,
          latencyMsP95: s?.latencyMsP95 ?? null,
        };
      });
      const known = models.filter((m) => m.breaker !== "unknown" || m.requests > 0);
      let status: "healthy" | "degraded" | "down" | "unknown" = "unknown";
      if (known.length > 0) {
        if (known.every((m) => m.breaker === "open")) status = "down";
        else if (
          known.some((m) => m.breaker !== "closed" && m.breaker !== "unknown") ||
          known.some((m) => m.errorRate >= 0.5)
        )
          status = "degraded";
        else status = "healthy";
      }
      return { providerId, name: row.name, enabled: row.enabled, windowSeconds: deps.windowSeconds, status, models };
    },
  };
}

export type HealthService = ReturnType<typeof healthService>;
