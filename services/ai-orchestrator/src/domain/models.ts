import type { ProviderClient } from "../clients/provider.js";
import type { RouteStore } from "../data/routes.js";

/** OpenAI-style model list: every model of every enabled provider, then the route aliases. */
export async function listModels(provider: ProviderClient, routes: RouteStore) {
  const [catalog, aliases] = await Promise.all([provider.catalog(), routes.list()]);
  const seen = new Set<string>();
  const data: { id: string; object: "model"; created: number; owned_by: string }[] = [];
  for (const p of catalog) {
    for (const m of p.models) {
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      data.push({ id: m.id, object: "model", created: 0, owned_by: p.name });
    }
  }
  for (const r of aliases) {
    data.push({ id: r.alias, object: "model", created: Math.floor(r.createdAt.getTime() / 1000), owned_by: "route" });
  }
  return { object: "list" as const, data };
}
