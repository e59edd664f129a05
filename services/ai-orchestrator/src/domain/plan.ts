import { notFound } from "@crm/kit";
import type { CatalogProvider } from "../clients/provider.js";
import type { RouteDef, RouteTarget } from "../data/routes.js";

/** One provider/model a request may be sent to, with its catalog facts. */
export interface Candidate {
  providerId: string;
  providerName: string;
  kind: string;
  model: string;
  inputCostPer1k: number;
  outputCostPer1k: number;
  weight: number;
}

export interface Plan {
  /** The alias or model id the caller named. */
  requested: string;
  route?: RouteDef;
  candidates: Candidate[];
  /** A route's cheaper last resort, tried when every candidate failed (over budget, open…). */
  fallback?: Candidate;
}

export const candidateKey = (c: { providerId: string; model: string }) => `${c.providerId}/${c.model}`;

/** Exponentially weighted moving average of observed latency per provider/model ("fastest"). */
export class LatencyTracker {
  private readonly averages = new Map<string, number>();
  constructor(private readonly alpha = 0.3) {}
  observe(key: string, ms: number): void {
    const prev = this.averages.get(key);
    this.averages.set(key, prev === undefined ? ms : prev + this.alpha * (ms - prev));
  }
  get(key: string): number | undefined {
    return this.averages.get(key);
  }
}

function lookup(catalog: CatalogProvider[], t: RouteTarget): Candidate | undefined {
  const p = catalog.find((x) => x.id === t.providerId);
  const m = p?.models.find((x) => x.id === t.model);
  if (!p || !m) return undefined;
  return {
    providerId: p.id,
    providerName: p.name,
    kind: p.kind,
    model: m.id,
    inputCostPer1k: m.inputCostPerThousand,
    outputCostPer1k: m.outputCostPerThousand,
    weight: t.weight ?? 1,
  };
}

/** Weighted random order without replacement (Efraimidis–Spirakis keys). */
function weightedOrder(list: Candidate[], random: () => number): Candidate[] {
  return list
    .map((c) => ({ c, key: c.weight > 0 ? Math.pow(random(), 1 / c.weight) : -1 }))
    .sort((a, b) => b.key - a.key)
    .map((x) => x.c);
}

export function orderCandidates(
  strategy: RouteDef["strategy"],
  list: Candidate[],
  opts: { inputTokens: number; outputTokens: number; latency: LatencyTracker; random?: () => number },
): Candidate[] {
  switch (strategy) {
    case "weighted":
      return weightedOrder(list, opts.random ?? Math.random);
    case "cheapest": {
      const cost = (c: Candidate) => opts.inputTokens * c.inputCostPer1k + opts.outputTokens * c.outputCostPer1k;
      return [...list].sort((a, b) => cost(a) - cost(b));
    }
    case "fastest":
      // Unmeasured targets count as fastest so that each one gets measured.
      return [...list].sort(
        (a, b) => (opts.latency.get(candidateKey(a)) ?? 0) - (opts.latency.get(candidateKey(b)) ?? 0),
      );
    default:
      return [...list];
  }
}

/**
 * A route alias wins over a model id of the same name; a model id is served by every enabled
 * provider that lists it, in provider order; `<provider name>/<model>` names one provider.
 */
export function planFor(
  requested: string,
  route: RouteDef | undefined,
  catalog: CatalogProvider[],
  opts: { inputTokens: number; outputTokens: number; latency: LatencyTracker },
): Plan {
  if (route) {
    const available = route.targets.map((t) => lookup(catalog, t)).filter((c): c is Candidate => c !== undefined);
    const fallback = route.fallback ? lookup(catalog, route.fallback) : undefined;
    if (available.length === 0 && !fallback) throw notFound(`An enabled target of route '${requested}'`);
    return {
      requested,
      route,
      candidates: orderCandidates(route.strategy, available, opts),
      ...(fallback ? { fallback } : {}),
    };
  }
  let candidates = catalog.flatMap((p) =>
    p.models.some((m) => m.id === requested) ? [lookup(catalog, { providerId: p.id, model: requested })!] : [],
  );
  if (candidates.length === 0) {
    const slash = requested.indexOf("/");
    const provider = slash > 0 ? catalog.find((p) => p.name === requested.slice(0, slash)) : undefined;
    const single = provider
      ? lookup(catalog, { providerId: provider.id, model: requested.slice(slash + 1) })
      : undefined;
    candidates = single ? [single] : [];
  }
  if (candidates.length === 0) throw notFound(`Model or route alias '${requested}'`);
  return { requested, candidates };
}
