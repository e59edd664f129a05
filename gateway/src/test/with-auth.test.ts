import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import authPart from "@crm/auth/part";
import { createTestDatabase, type TestDatabase } from "@crm/db/testing";
import { IDENTITY_HEADER, createLogger, startPart, verifyIdentity, type PartModule, type RunningPart } from "@crm/kit";
import { testEnv } from "@crm/kit/testing";
import { Validator } from "@seriousme/openapi-schema-validator";
import { StubUpstream, startGateway, type GatewayHandle } from "../testing/helpers.js";

const PASSWORD = "violet-Harbor-quietly-41-lanterns";

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Through the real auth service: its JWKS, its tokens, its gRPC API key validation. */
describe("gateway in front of the real auth service", () => {
  let db: TestDatabase;
  let auth: RunningPart;
  let gw: GatewayHandle;
  let project: StubUpstream;
  let secret: string;

  const call = async (
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) => {
    const res = await fetch(gw.base + path, {
      method: init.method ?? "GET",
      headers: { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} } as Reply;
  };

  before(async () => {
    db = await createTestDatabase();
    const env = testEnv({ DATABASE_URL: db.url, AUTH_HTTP_PORT: "0", AUTH_GRPC_PORT: "0", LOG_LEVEL: "silent" });
    secret = env.MESH_SECRET!;
    auth = await startPart(authPart as unknown as PartModule, {
      env,
      logger: createLogger({ name: "auth", level: "silent" }),
    });
    project = await new StubUpstream("project").start();
    gw = await startGateway({
      MESH_SECRET: secret,
      AUTH_URL: `http://127.0.0.1:${auth.httpPort}`,
      AUTH_GRPC_ADDR: `127.0.0.1:${auth.grpcPort}`,
      PROJECT_URL: project.url,
    });
  });

  after(async () => {
    await gw?.stop();
    await project?.stop();
    await auth?.stop();
    await db?.drop();
  });

  it("registers, logs in, and carries the verified user to upstreams", async () => {
    const reg = await call("/api/v1/auth/register", {
      method: "POST",
      body: { email: "dev@example.com", password: PASSWORD, name: "Dev" },
    });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const login = await call("/api/v1/auth/login", {
      method: "POST",
      body: { email: "dev@example.com", password: PASSWORD },
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const token = login.body.accessToken as string;

    const me = await call("/api/v1/auth/me", { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.email, "dev@example.com");

    const proxied = await call("/api/v1/projects", {
      headers: { authorization: `Bearer ${token}`, [IDENTITY_HEADER]: "spoofed.value" },
    });
    assert.equal(proxied.status, 200);
    const headers = proxied.body.headers as Record<string, string>;
    assert.deepEqual(verifyIdentity(secret, headers[IDENTITY_HEADER]), {
      sub: reg.body.id,
      role: "member",
      email: "dev@example.com",
      via: "token",
      ip: "127.0.0.1",
    });

    // A tampered token from the real issuer is refused.
    const [h, p, s] = token.split(".") as [string, string, string];
    const tampered = `${h}.${p}.${s.slice(0, -2)}${s.endsWith("AA") ? "BB" : "AA"}`;
    const refused = await call("/api/v1/auth/me", { headers: { authorization: `Bearer ${tampered}` } });
    assert.equal(refused.status, 401);

    // API keys: created through the gateway, validated by auth over gRPC.
    const created = await call("/api/v1/auth/api-keys", {
      method: "POST",
      body: { name: "ci" },
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const key = created.body.key as string;
    for (const headers of [{ "x-api-key": key }, { authorization: `Bearer ${key}` }] as Record<string, string>[]) {
      const viaKey = await call("/api/v1/projects", { headers });
      assert.equal(viaKey.status, 200, JSON.stringify(viaKey.body));
      const identity = verifyIdentity(secret, (viaKey.body.headers as Record<string, string>)[IDENTITY_HEADER]);
      assert.equal(identity?.sub, reg.body.id);
      assert.equal(identity?.via, "apikey");
    }
    const badKey = await call("/api/v1/projects", { headers: { "x-api-key": `${key.slice(0, -3)}xyz` } });
    assert.equal(badKey.status, 401);
    const keyMe = await call("/api/v1/auth/me", { headers: { "x-api-key": key } });
    assert.equal(keyMe.status, 200);
  });

  it("merges auth's OpenAPI paths into a valid document and reports JWKS readiness", async () => {
    const doc = await call("/api/openapi.json");
    assert.equal(doc.status, 200);
    const result = await new Validator().validate(doc.body as Parameters<Validator["validate"]>[0]);
    assert.equal(result.valid, true, JSON.stringify(result.errors));
    const paths = doc.body.paths as Record<string, unknown>;
    assert.ok(paths["/api/v1/auth/login"], "auth's paths are merged");
    const ready = await call("/ready");
    assert.equal(ready.status, 200);
    const jwks = (ready.body.components as { name: string; status: string }[]).find((c) => c.name === "jwks");
    assert.equal(jwks?.status, "up");
  });
});
