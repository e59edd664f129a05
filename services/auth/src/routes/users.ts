import type { Express } from "express";
import { body, pageQuery, query, requireAdmin } from "@crm/kit";
import type { Services } from "../services.js";
import { patchUserBody } from "./schemas.js";

/** /api/v1/users: administrators only. */
export function userRoutes(app: Express, { users }: Services): void {
  app.get("/api/v1/users", async (req, res) => {
    requireAdmin(req);
    const { limit, cursor } = query(req, pageQuery);
    res.json(await users.list(limit, cursor));
  });

  app.get("/api/v1/users/:id", async (req, res) => {
    requireAdmin(req);
    res.json(await users.get(String(req.params.id)));
  });

  app.patch("/api/v1/users/:id", async (req, res) => {
    const admin = requireAdmin(req);
    res.json(await users.updateAccess(String(req.params.id), body(req, patchUserBody), admin.sub));
  });
}
