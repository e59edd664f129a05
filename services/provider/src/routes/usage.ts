import { badRequest, query, requireUser } from "@crm/kit";
import type { Express } from "express";
import type { UsageStore } from "../data/usage.js";
import { usageQuery } from "./schemas.js";

const DAY = 86_400_000;

/** Aggregates of the usage ledger; a non-admin sees only their own calls. */
export function usageRoutes(app: Express, usage: UsageStore): void {
  app.get("/api/v1/usage", async (req, res) => {
    const identity = requireUser(req);
    const q = query(req, usageQuery);
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY);
    if (from >= to)
      throw badRequest("`from` must be before `to`", [{ path: "query.from", message: "must be before to" }]);
    const items = await usage.aggregate(q.groupBy, from, to, identity.role === "admin" ? undefined : identity.sub);
    res.json({
      from: from.toISOString(),
      to: to.toISOString(),
      groupBy: q.groupBy,
      items: items.map(({ name, ...item }) => (q.groupBy === "provider" ? { ...item, name } : item)),
    });
  });
}
