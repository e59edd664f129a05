import { body, parse, requireAdmin, requireUser } from "@crm/kit";
import type { Express } from "express";
import type { QuotaStore } from "../data/quotas.js";
import { quotaView, type QuotaService } from "../domain/quotas.js";
import { idParams, putQuotaBody } from "./schemas.js";

export function quotaRoutes(app: Express, quotas: QuotaService, store: QuotaStore): void {
  app.put("/api/v1/quotas", async (req, res) => {
    requireAdmin(req);
    const row = await quotas.put(body(req, putQuotaBody));
    res.json(quotaView(row, await quotas.consumption(row)));
  });

  /** Admins see every quota; others the global ones and their own. */
  app.get("/api/v1/quotas", async (req, res) => {
    const identity = requireUser(req);
    const rows = identity.role === "admin" ? await store.all() : await store.forUser(identity.sub);
    const items = await Promise.all(rows.map(async (q) => quotaView(q, await quotas.consumption(q))));
    res.json({ items });
  });

  app.delete("/api/v1/quotas/:id", async (req, res) => {
    requireAdmin(req);
    await quotas.remove(parse(idParams, req.params, "params").id);
    res.status(204).end();
  });
}
