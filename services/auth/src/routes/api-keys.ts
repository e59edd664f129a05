import type { Express } from "express";
import { body, pageQuery, query, requireUser } from "@crm/kit";
import type { Services } from "../services.js";
import { createApiKeyBody } from "./schemas.js";

/** /api/v1/auth/api-keys: the caller's own keys. */
export function apiKeyRoutes(app: Express, { apiKeys }: Services): void {
  app.post("/api/v1/auth/api-keys", async (req, res) => {
    const identity = requireUser(req);
    res.status(201).json(await apiKeys.create(identity.sub, body(req, createApiKeyBody).name));
  });

  app.get("/api/v1/auth/api-keys", async (req, res) => {
    const identity = requireUser(req);
    const { limit, cursor } = query(req, pageQuery);
    res.json(await apiKeys.list(identity.sub, limit, cursor));
  });

  app.delete("/api/v1/auth/api-keys/:id", async (req, res) => {
    const identity = requireUser(req);
    await apiKeys.revoke(identity.sub, String(req.params.id));
    res.status(204).end();
  });
}
