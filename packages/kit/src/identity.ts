import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The caller as the gateway verified it. The gateway forwards it to upstreams as a short-lived
 * HMAC-signed assertion (`x-mesh-identity`), so a service checks it itself and never trusts an
 * identity header a client could have set: without the mesh secret no one can mint one.
 */
export interface Identity {
  sub: string;
  role: "admin" | "member" | "service" | "anonymous";
  email?: string;
  /** How the caller proved itself at the edge. */
  via: "token" | "apikey" | "service" | "anonymous";
  /** The client's address as the edge saw it (for per-IP limits such as login lockout). */
  ip?: string;
}

export const IDENTITY_HEADER = "x-mesh-identity";

interface Claims extends Identity {
  exp: number;
}

function sign(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(payload).digest("base64url");
}

export function signIdentity(secret: string, identity: Identity, ttlSeconds = 300): string {
  const claims: Claims = { ...identity, exp: Math.floor(Date.now() / 1000) + ttlSeconds };
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return `${payload}.${sign(secret, payload)}`;
}

/** Returns the identity when the assertion is authentic and unexpired, otherwise undefined. */
export function verifyIdentity(secret: string, token: string | undefined): Identity | undefined {
  if (!token) return undefined;
  const dot = token.indexOf(".");
  if (dot <= 0) return undefined;
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), "base64url");
  const expected = Buffer.from(sign(secret, payload), "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Claims;
    if (typeof claims.exp !== "number" || claims.exp * 1000 < Date.now()) return undefined;
    if (typeof claims.sub !== "string") return undefined;
    const { exp: _exp, ...identity } = claims;
    return identity;
  } catch {
    return undefined;
  }
}
