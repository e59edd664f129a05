import { Breaker, type Logger, type Metrics } from "@crm/kit";
import type { BreakerReport } from "../clients/provider.js";
import { UpstreamError } from "./adapters/errors.js";

export interface BreakerSettings {
  errorThresholdPercentage: number;
  volumeThreshold: number;
  resetTimeoutMs: number;
  rollingWindowMs: number;
}

interface Entry {
  providerId: string;
  model: string;
  breaker: Breaker;
}

/**
 * One kit Breaker (opossum) per provider+model. Only the target's own failures count
 * (connect errors, timeouts, 5xx, malformed or cut streams), not a caller's bad request or a
 * 429. The states live here, in this process; they are exported in /metrics
 * (circuit_breaker_state{breaker="ai:<provider>/<model>"}) and reported to the provider
 * service, which shows them on /api/v1/providers/{id}/health.
 */
export function breakerRegistry(settings: BreakerSettings, metrics: Metrics) {
  const entries = new Map<string, Entry>();
  const isFailure = (err: unknown) => err instanceof UpstreamError && err.targetFailure;
  return {
    get(providerId: string, providerName: string, model: string): Breaker {
      const key = `${providerId}/${model}`;
      let e = entries.get(key);
      if (!e) {
        const breaker = new Breaker(
          `ai:${providerName}/${model}`,
          { ...settings, isFailure, trackLatency: true },
          metrics,
        );
        e = { providerId, model, breaker };
        entries.set(key, e);
      }
      return e.breaker;
    },
    reports(): BreakerReport[] {
      return [...entries.values()].map(({ providerId, model, breaker }) => {
        const s = breaker.stats();
        return {
          providerId,
          model,
          state: s.state,
          failures: s.failures,
          successes: s.successes,
          rejects: s.rejects,
          latencyMeanMs: Number.isFinite(s.latencyMean) ? s.latencyMean : 0,
        };
      });
    },
    shutdown(): void {
      for (const e of entries.values()) e.breaker.shutdown();
    },
  };
}

export type BreakerRegistry = ReturnType<typeof breakerRegistry>;

/**
 * Reports breaker states to the provider service: at once when one changes (checked every
 * `pollMs`), and every `intervalMs` anyway so that the provider knows this instance is alive.
 */
export function startHealthReporter(opts: {
  registry: BreakerRegistry;
  send: (reports: BreakerReport[]) => Promise<void>;
  intervalMs: number;
  logger: Logger;
}): () => void {
  let last = "";
  let lastSent = 0;
  let busy = false;
  const pollMs = Math.min(1000, opts.intervalMs);
  const timer = setInterval(() => {
    if (busy) return;
    const reports = opts.registry.reports();
    if (reports.length === 0) return;
    const states = reports.map((r) => `${r.providerId}/${r.model}=${r.state}`).join(",");
    if (states === last && Date.now() - lastSent < opts.intervalMs) return;
    busy = true;
    opts
      .send(reports)
      .then(() => {
        last = states;
        lastSent = Date.now();
      })
      .catch((err: Error) => opts.logger.debug({ err: { message: err.message } }, "breaker report not delivered"))
      .finally(() => (busy = false));
  }, pollMs);
  timer.unref();
  return () => clearInterval(timer);
}
