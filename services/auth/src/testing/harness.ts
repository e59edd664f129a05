import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { createTestDatabase, type TestDatabase } from "@crm/db/testing";
import {
  IDENTITY_HEADER,
  createGrpcClient,
  createLogger,
  createMetrics,
  signIdentity,
  startPart,
  type GrpcClient,
  type Identity,
  type RunningPart,
} from "@crm/kit";
import { testEnv } from "@crm/kit/testing";
import { decodeJwt } from "jose";
import part from "../part.js";

/** A strong password for tests (the strength rule rejects anything guessable). */
export const STRONG = "violet-Harbor-quietly-41-lanterns";

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  body?: unknown;
  /** A caller identity; default anonymous; null sends no mesh identity at all. */
  as?: Identity | null;
  headers?: Record<string, string>;
}

export interface Harness {
  env: Record<string, string>;
  base: string;
  part: RunningPart;
  db: TestDatabase;
  grpc: GrpcClient;
  /** Every log line the part wrote (level debug). */
  logs: string[];
  /** Every response body seen, to scan for secrets. */
  responses: string[];
  call<T = Record<string, unknown>>(method: string, path: string, opts?: CallOptions): Promise<Reply<T>>;
  anonymous(ip?: string): Identity;
  /** The identity the gateway would forward for this access token. */
  bearer(accessToken: string): Identity;
  stop(): Promise<void>;
}

export async function startAuth(extra: Record<string, string> = {}): Promise<Harness> {
  const db = await createTestDatabase();
  const env = testEnv({ DATABASE_URL: db.url, AUTH_HTTP_PORT: "0", AUTH_GRPC_PORT: "0", LOG_LEVEL: "debug", ...extra });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ name: "auth", level: "debug", destination });
  let running: RunningPart;
  try {
    running = await startPart(part, { env, logger });
  } catch (err) {
    await db.drop();
    throw err;
  }
  const base = `http://127.0.0.1:${running.httpPort}`;
  const grpc = createGrpcClient({
    peer: "auth",
    address: `127.0.0.1:${running.grpcPort}`,
    file: "crm/auth/v1/auth.proto",
    service: "crm.auth.v1.AuthService",
    self: "auth-test",
    meshSecret: env.MESH_SECRET!,
    logger: createLogger({ name: "auth-test", level: "silent" }),
    metrics: createMetrics("auth-test"),
  });
  const responses: string[] = [];
  const anonymous = (ip = "203.0.113.7"): Identity => ({ sub: "anonymous", role: "anonymous", via: "anonymous", ip });
  return {
    env,
    base,
    part: running,
    db,
    grpc,
    logs,
    responses,
    anonymous,
    bearer(accessToken) {
      const claims = decodeJwt(accessToken) as { sub: string; role: Identity["role"]; email: string };
      return { sub: claims.sub, role: claims.role, email: claims.email, via: "token", ip: "203.0.113.7" };
    },
    async call<T>(method: string, path: string, opts: CallOptions = {}): Promise<Reply<T>> {
      const as = opts.as === undefined ? anonymous() : opts.as;
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.body !== undefined) headers["content-type"] = "application/json";
      if (as) headers[IDENTITY_HEADER] = signIdentity(env.MESH_SECRET!, as);
      const res = await fetch(`${base}${path}`, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
      const text = await res.text();
      responses.push(text);
      return { status: res.status, headers: res.headers, text, body: (text ? JSON.parse(text) : {}) as T };
    },
    async stop() {
      grpc.close();
      await running.stop();
      await db.drop();
    },
  };
}

/** Registers and signs in a user; returns the tokens and the identity the gateway would forward. */
export async function signUp(h: Harness, email: string, password = STRONG, name = "Test User") {
  const reg = await h.call<{ id: string }>("POST", "/api/v1/auth/register", { body: { email, password, name } });
  assert.equal(reg.status, 201, reg.text);
  const login = await h.call<{ accessToken: string; refreshToken: string }>("POST", "/api/v1/auth/login", {
    body: { email, password },
  });
  assert.equal(login.status, 200, login.text);
  return { id: reg.body.id, ...login.body, identity: h.bearer(login.body.accessToken) };
}

/** Asserts that no log line contains any of the secrets. */
export function assertNoSecretsInLogs(h: Harness, secrets: string[]): void {
  assert.ok(h.logs.length > 0, "expected some log output to scan");
  for (const secret of secrets.filter((s) => s.length >= 8)) {
    const line = h.logs.find((l) => l.includes(secret));
    assert.equal(line, undefined, `a secret appeared in the logs: ${line?.slice(0, 200)}`);
  }
}

export function assertProblem(reply: Reply, status: number): void {
  assert.equal(reply.status, status, reply.text);
  assert.match(reply.headers.get("content-type") ?? "", /^application\/problem\+json/);
  assert.equal(reply.body.status, status);
  assert.equal(typeof reply.body.requestId, "string");
}

/**
 * Secrets leave the service only where the contract shows them: a password never; a token or
 * API key only in the one response that issued it.
 */
export function assertResponsesKeepSecrets(h: Harness, never: string[], once: string[]): void {
  for (const secret of never.filter((s) => s.length >= 8))
    assert.ok(!h.responses.some((r) => r.includes(secret)), "a password appeared in a response");
  for (const secret of once) {
    const count = h.responses.filter((r) => r.includes(secret)).length;
    assert.equal(count, 1, `a token/key appeared in ${count} responses, expected only its issuing one`);
  }
}
