import { badRequest, notFound, parse, requireAdmin, body } from "@crm/kit";
import type { Express } from "express";
import type { ProviderClient } from "../clients/provider.js";
import type { RouteDef, RouteStore } from "../data/routes.js";
import { aliasParams, putRouteBody } from "./schemas.js";

const view = (r: RouteDef) => ({
  alias: r.alias,
  strategy: r.strategy,
  targets: r.targets,
  fallback: r.fallback,
  timeoutMs: r.timeoutMs,
  retries: r.retries,
  cacheTtlSeconds: r.cacheTtlSeconds,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** Route aliases: admin only. Targets must exist in the catalog of enabled providers. */
export function aiRouteRoutes(app: Express, routes: RouteStore, provider: ProviderClient): void {
  app.get("/api/v1/ai/routes", async (req, res) => {
    requireAdmin(req);
    res.json({ items: (await routes.list()).map(view) });
  });

  app.put("/api/v1/ai/routes/:alias", async (req, res) => {
    requireAdmin(req);
    const { alias } = parse(aliasParams, req.params, "params");
    const input = body(req, putRouteBody);
    const catalog = await provider.catalog();
    const errors = [
      ...input.targets.map((t, i) => ({ t, path: `body.targets.${i}` })),
      ...(input.fallback ? [{ t: input.fallback, path: "body.fallback" }] : []),
    ]
      .filter(({ t }) => !catalog.some((p) => p.id === t.providerId && p.models.some((m) => m.id === t.model)))
      .map(({ t, path }) => ({
        path,
        message: `model '${t.model}' of provider ${t.providerId} is not in the catalog of enabled providers`,
      }));
    if (errors.length) throw badRequest(`Unknown route targets: ${errors.map((e) => e.path).join(", ")}`, errors);
    const { route } = await routes.put(alias, {
      strategy: input.strategy,
      targets: input.targets,
      fallback: input.fallback ?? null,
      timeoutMs: input.timeoutMs ?? null,
      retries: input.retries ?? null,
      cacheTtlSeconds: input.cacheTtlSeconds ?? null,
    });
    res.json(view(route));
  });

  app.get("/api/v1/ai/routes/:alias", async (req, res) => {
    requireAdmin(req);
    const route = await routes.get(parse(aliasParams, req.params, "params").alias);
    if (!route) throw notFound("Route");
    res.json(view(route));
  });

  app.delete("/api/v1/ai/routes/:alias", async (req, res) => {
    requireAdmin(req);
    if (!(await routes.remove(parse(aliasParams, req.params, "params").alias))) throw notFound("Route");
    res.status(204).end();
  });
}
