import type { Metrics } from "@crm/kit";
import client from "prom-client";

/** The orchestrator's own Prometheus series, registered in the part's registry. */
export function aiMetrics(metrics: Metrics) {
  const registers = [metrics.registry];
  return {
    calls: new client.Counter({
      name: "ai_calls_total",
      help: "Calls to AI targets by provider, model and outcome (ok, error, timeout, rate_limited, cancelled)",
      labelNames: ["provider", "model", "outcome"] as const,
      registers,
    }),
    cache: new client.Counter({
      name: "ai_cache_requests_total",
      help: "Response cache lookups by result (hit, miss)",
      labelNames: ["result"] as const,
      registers,
    }),
    fallbacks: new client.Counter({
      name: "ai_fallbacks_total",
      help: "Targets skipped or failed before a request was answered or given up",
      registers,
    }),
    tokens: new client.Counter({
      name: "ai_tokens_total",
      help: "Tokens by provider, model and direction (input, output)",
      labelNames: ["provider", "model", "direction"] as const,
      registers,
    }),
    cost: new client.Counter({
      name: "ai_cost_usd_total",
      help: "Cost of answered calls in USD, from the catalog",
      labelNames: ["provider", "model"] as const,
      registers,
    }),
    redactions: new client.Counter({
      name: "ai_redactions_total",
      help: "Secrets redacted from prompts before they left for external providers",
      registers,
    }),
  };
}

export type AiMetrics = ReturnType<typeof aiMetrics>;
