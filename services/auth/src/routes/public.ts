import type { Express } from "express";
import type { Services } from "../services.js";
import { openApiDocument } from "./openapi.js";

/** Outside /api, so no mesh identity needed: the gateway proxies these as they are. */
export function publicRoutes(app: Express, { keyring }: Services): void {
  app.get("/.well-known/jwks.json", async (_req, res) => {
    // Short: a rotated-in key must reach verifiers soon (they also refetch on an unknown kid).
    res.setHeader("cache-control", "public, max-age=60");
    res.json({ keys: await keyring.jwks() });
  });

  const doc = openApiDocument();
  app.get("/openapi.json", (_req, res) => {
    res.json(doc);
  });
}
