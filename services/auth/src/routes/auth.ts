import type { Express } from "express";
import { body, requireAdmin, requireUser, unauthorized } from "@crm/kit";
import type { Services } from "../services.js";
import { loginBody, refreshBody, registerBody } from "./schemas.js";

/** /api/v1/auth: register, login, refresh and logout are public (anonymous identity accepted). */
export function authRoutes(app: Express, { users, tokens, keyring }: Services): void {
  app.post("/api/v1/auth/register", async (req, res) => {
    const user = await users.register(body(req, registerBody));
    res.status(201).json(user);
  });

  app.post("/api/v1/auth/login", async (req, res) => {
    res.json(await tokens.login(body(req, loginBody), req.identity.ip));
  });

  app.post("/api/v1/auth/refresh", async (req, res) => {
    res.json(await tokens.refresh(body(req, refreshBody).refreshToken));
  });

  app.post("/api/v1/auth/logout", async (req, res) => {
    await tokens.logout(body(req, refreshBody).refreshToken);
    res.status(204).end();
  });

  app.get("/api/v1/auth/me", async (req, res) => {
    const identity = requireUser(req);
    // Fresh from the database: role or name may have changed since the token was issued.
    const user = await users.get(identity.sub).catch((err: unknown) => {
      throw (err as { status?: number }).status === 404 ? unauthorized("The signed-in account no longer exists") : err;
    });
    res.json(user);
  });

  app.post("/api/v1/auth/keys/rotate", async (req, res) => {
    requireAdmin(req);
    res.json(await keyring.rotate());
  });
}
