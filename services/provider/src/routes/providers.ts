import { body, decodeCursor, pageQuery, parse, query, requireAdmin, requireUser, toPage } from "@crm/kit";
import type { Express } from "express";
import { z } from "zod";
import type { HealthService } from "../domain/health.js";
import { toView, type ProviderService } from "../domain/providers.js";
import { createProviderBody, idParams, patchProviderBody } from "./schemas.js";

const cursor = z.object({ t: z.iso.datetime(), id: z.uuid() });

export function providerRoutes(app: Express, providers: ProviderService, health: HealthService): void {
  app.post("/api/v1/providers", async (req, res) => {
    requireAdmin(req);
    res.status(201).json(await providers.create(body(req, createProviderBody)));
  });

  app.get("/api/v1/providers", async (req, res) => {
    requireUser(req);
    const page = query(req, pageQuery);
    const after = decodeCursor(page.cursor, cursor);
    const rows = await providers.list({
      limit: page.limit + 1,
      ...(after ? { after: { createdAt: new Date(after.t), id: after.id } } : {}),
    });
    const result = toPage(rows, page.limit, (r) => ({ t: r.createdAt.toISOString(), id: r.id }));
    res.json({ items: result.items.map(toView), nextCursor: result.nextCursor });
  });

  app.get("/api/v1/providers/:id", async (req, res) => {
    requireUser(req);
    res.json(await providers.get(parse(idParams, req.params, "params").id));
  });

  app.patch("/api/v1/providers/:id", async (req, res) => {
    requireAdmin(req);
    const { id } = parse(idParams, req.params, "params");
    res.json(await providers.update(id, body(req, patchProviderBody)));
  });

  app.delete("/api/v1/providers/:id", async (req, res) => {
    requireAdmin(req);
    await providers.remove(parse(idParams, req.params, "params").id);
    res.status(204).end();
  });

  app.get("/api/v1/providers/:id/health", async (req, res) => {
    requireUser(req);
    res.json(await health.get(parse(idParams, req.params, "params").id));
  });
}
