import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@crm/db/testing";
import { IDENTITY_HEADER, createGrpcClient, createLogger, createMetrics, signIdentity, type Identity } from "@crm/kit";
import { jsonLogs, startProcess, testEnv, type ProcessHandle } from "@crm/kit/testing";
import { decodeJwt } from "jose";
import { STRONG } from "../testing/harness.js";

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "main.js");

describe("auth as its own process (main.js), LOG_LEVEL=debug", () => {
  let db: TestDatabase;
  let proc: ProcessHandle;
  let env: Record<string, string>;

  before(async () => {
    // An empty database: MIGRATE_ON_START must bring it up to date before serving.
    db = await createTestDatabase({ migrate: false });
    env = testEnv({
      DATABASE_URL: db.url,
      AUTH_HTTP_PORT: "0",
      AUTH_GRPC_PORT: "0",
      LOG_LEVEL: "debug",
      MIGRATE_ON_START: "true",
    });
    proc = await startProcess({ args: [main], env, parts: ["auth"] });
  });
  after(async () => {
    await proc.stop("SIGKILL");
    await db.drop();
  });

  it("migrates on start, serves a whole session, never logs a secret, and exits 0 on SIGTERM", async () => {
    const base = proc.url("auth");
    const anonymous: Identity = { sub: "anonymous", role: "anonymous", via: "anonymous", ip: "192.0.2.1" };
    const call = async (method: string, route: string, body?: unknown, as?: Identity) => {
      const res = await fetch(`${base}${route}`, {
        method,
        headers: {
          "content-type": "application/json",
          [IDENTITY_HEADER]: signIdentity(env.MESH_SECRET!, as ?? anonymous),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, string> };
    };
    const secrets = [STRONG, "Wrong-but-plausible-pass-42"];
    assert.equal(
      (await call("POST", "/api/v1/auth/register", { email: "proc@example.com", password: STRONG, name: "P" })).status,
      201,
    );
    assert.equal(
      (await call("POST", "/api/v1/auth/login", { email: "proc@example.com", password: secrets[1] })).status,
      401,
    );
    const login = await call("POST", "/api/v1/auth/login", { email: "proc@example.com", password: STRONG });
    assert.equal(login.status, 200);
    secrets.push(login.body.accessToken!, login.body.refreshToken!);
    const refreshed = await call("POST", "/api/v1/auth/refresh", { refreshToken: login.body.refreshToken });
    secrets.push(refreshed.body.accessToken!, refreshed.body.refreshToken!);
    assert.equal((await call("POST", "/api/v1/auth/refresh", { refreshToken: login.body.refreshToken })).status, 401);
    const me: Identity = { sub: decodeJwt(login.body.accessToken!).sub!, role: "member", via: "token" };
    assert.equal((await call("GET", "/api/v1/auth/me", undefined, me)).status, 200);
    const key = await call("POST", "/api/v1/auth/api-keys", { name: "proc" }, me);
    assert.equal(key.status, 201);
    secrets.push(key.body.key!);

    const grpc = createGrpcClient({
      peer: "auth",
      address: `127.0.0.1:${proc.ports.get("auth")!.grpc}`,
      file: "crm/auth/v1/auth.proto",
      service: "crm.auth.v1.AuthService",
      self: "process-test",
      meshSecret: env.MESH_SECRET!,
      logger: createLogger({ name: "t", level: "silent" }),
      metrics: createMetrics("process-test"),
    });
    assert.equal((await grpc.unary<{ valid: boolean }>("ValidateApiKey", { key: key.body.key })).valid, true);
    grpc.close();

    assert.equal(await proc.stop("SIGTERM"), 0);
    const logs = jsonLogs(proc);
    assert.ok(
      logs.some((l) => l.msg === "migrations applied"),
      "expected the start-up migration in the logs",
    );
    assert.ok(logs.some((l) => l.level === "debug" || l.level === "info"));
    for (const secret of secrets) {
      const line = proc.lines.find((l) => l.includes(secret));
      assert.equal(line, undefined, `secret in logs: ${line?.slice(0, 200)}`);
    }
  });
});
