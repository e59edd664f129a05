import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { IDENTITY_HEADER, verifyIdentity } from "@crm/kit";
import { testEnv } from "@crm/kit/testing";
import { Validator } from "@seriousme/openapi-schema-validator";
import { SignJWT, base64url } from "jose";
import {
  StubUpstream,
  TestKeys,
  rawRequest,
  startAuthGrpcStub,
  startGateway,
  type ApiKeyRecord,
  type Echo,
  type GatewayHandle,
} from "../testing/helpers.js";

const API_KEY = `crm_${"a".repeat(43)}`;
const DISABLED_KEY = `crm_${"d".repeat(43)}`;
const UNKNOWN_KEY = `crm_${"u".repeat(43)}`;

const URL_KEYS: Record<string, string> = {
  auth: "AUTH_URL",
  project: "PROJECT_URL",
  "version-control": "VERSION_CONTROL_URL",
  provider: "PROVIDER_URL",
  "ai-orchestrator": "ORCHESTRATOR_URL",
  analysis: "ANALYSIS_URL",
  comparison: "COMPARISON_URL",
};

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & Partial<Echo> & { upstream?: string };
  ms: number;
}

async function call(base: string, path: string, init: RequestInit = {}): Promise<Reply> {
  const started = performance.now();
  const res = await fetch(base + path, init);
  const text = await res.text();
  const ms = performance.now() - started;
  let body: Reply["body"];
  try {
    body = text ? (JSON.parse(text) as Reply["body"]) : {};
  } catch {
    body = { text };
  }
  return { status: res.status, headers: res.headers, body, ms };
}

function assertProblem(reply: Reply, status: number) {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.match(reply.headers.get("content-type") ?? "", /application\/problem\+json/);
  assert.equal(reply.body.status, status);
  assert.equal(typeof reply.body.requestId, "string");
  assert.equal(reply.body.requestId, reply.headers.get("x-request-id"));
}

describe("gateway", () => {
  const keys = new TestKeys();
  const stubs = new Map<string, StubUpstream>();
  const apiKeys = new Map<string, ApiKeyRecord>([
    [API_KEY, { id: "key-user", email: "keys@example.com", role: "admin" }],
    [DISABLED_KEY, { id: "gone", email: "gone@example.com", role: "member", disabled: true }],
  ]);
  let grpc: Awaited<ReturnType<typeof startAuthGrpcStub>>;
  let gw: GatewayHandle;
  let secret: string;
  let baseEnv: Record<string, string>;

  before(async () => {
    await keys.add("k1", "EdDSA");
    await keys.add("k2", "ES256");
    for (const name of Object.keys(URL_KEYS)) {
      const stub = new StubUpstream(name, {
        ...(name === "project"
          ? {
              "/api/v1/projects": { get: { summary: "List projects", responses: { 200: { description: "ok" } } } },
              // Not the project service's route: the merge must drop it.
              "/api/v1/analyses/{id}": { get: { responses: { 200: { description: "wrong owner" } } } },
            }
          : {}),
        ...(name === "analysis"
          ? {
              "/api/v1/projects/{id}/analyses": {
                post: {
                  summary: "Start",
                  parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
                  responses: { 202: { description: "queued" } },
                },
              },
            }
          : {}),
      });
      if (name === "auth") {
        stub.handlers.set("/.well-known/jwks.json", (_req, res) => {
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(keys.jwks()));
        });
      }
      stubs.set(name, await stub.start());
    }
    // The gRPC stub and the gateway share one mesh secret.
    secret = testEnv().MESH_SECRET!;
    grpc = await startAuthGrpcStub(secret, apiKeys);
    baseEnv = {
      MESH_SECRET: secret,
      AUTH_GRPC_ADDR: `127.0.0.1:${grpc.port}`,
      BODY_LIMIT_BYTES: "1024",
      ARCHIVE_BODY_LIMIT_BYTES: "4096",
      CORS_ORIGINS: "https://app.example.com",
      RATE_LIMIT_USER: "1000",
      RATE_LIMIT_ANONYMOUS: "1000",
      ...Object.fromEntries([...stubs].map(([name, s]) => [URL_KEYS[name]!, s.url])),
    };
    gw = await startGateway(baseEnv);
  });

  after(async () => {
    await gw?.stop();
    await grpc?.handle.shutdown(100);
    for (const s of stubs.values()) await s.stop();
  });

  it("routes every prefix of the table to its upstream, path and query unchanged", async () => {
    const cases: [string, string][] = [
      ["/api/v1/auth/login?x=1", "auth"],
      ["/api/v1/users/u1", "auth"],
      ["/api/v1/projects/p1/analyses", "analysis"],
      ["/api/v1/projects/p1/analyses/extra?q=a%20b", "analysis"],
      ["/api/v1/projects", "project"],
      ["/api/v1/projects/p1/files/f1", "project"],
      ["/api/v1/analyses/a1/findings?severity=high", "analysis"],
      ["/api/v1/providers/x/health", "provider"],
      ["/api/v1/quotas", "provider"],
      ["/api/v1/usage?groupBy=model", "provider"],
      ["/api/v1/ai/chat/completions", "ai-orchestrator"],
      ["/api/v1/experiments/e1/versions/2", "version-control"],
      ["/api/v1/comparisons/c1", "comparison"],
      ["/api/v1/ab-tests/t1/assignment?subject=s", "comparison"],
      ["/.well-known/jwks.json", "auth"],
    ];
    for (const [path, upstream] of cases) {
      const r = await call(gw.base, path);
      if (path === "/.well-known/jwks.json") {
        assert.equal(r.status, 200);
        assert.ok(Array.isArray(r.body.keys));
        continue;
      }
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.upstream, upstream, path);
      assert.equal(r.body.url, path);
    }
    // Prefix boundaries: /api/v1/projectsX is not /api/v1/projects.
    assertProblem(await call(gw.base, "/api/v1/projectsX"), 404);
    assertProblem(await call(gw.base, "/api/v1/nowhere"), 404);
    // Raw requests: fetch would normalize these paths before sending them.
    for (const path of ["/api/v1/projects/../users", "/api/v1/projects/%2e%2E/users", "/api/v1/projects/a%2Fb"]) {
      const raw = await rawRequest(gw.base + path, {});
      assert.equal(raw.status, 400, path);
      assert.equal(JSON.parse(raw.body).status, 400);
    }
  });

  it("answers 503 naming an upstream that is not configured", async () => {
    const { COMPARISON_URL: _c, ...env } = baseEnv;
    const partial = await startGateway(env);
    try {
      const r = await call(partial.base, "/api/v1/ab-tests/t1");
      assertProblem(r, 503);
      assert.equal(r.body.dependency, "comparison");
      assert.match(String(r.body.detail), /comparison/);
      assert.equal((await call(partial.base, "/api/v1/projects")).status, 200);
    } finally {
      await partial.stop();
    }
  });

  it("forwards a verifiable identity for a valid token and never the client's spoofed one", async () => {
    const stub = stubs.get("project")!;
    const spoofed = "eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJhZG1pbiJ9.forged";
    for (const kid of ["k1", "k2"]) {
      const token = await keys.token({ role: "admin", email: "boss@example.com" }, { kid, sub: `user-${kid}` });
      const r = await call(gw.base, "/api/v1/projects", {
        headers: { authorization: `Bearer ${token}`, [IDENTITY_HEADER]: spoofed },
      });
      assert.equal(r.status, 200);
      const headers = r.body.headers!;
      assert.notEqual(headers[IDENTITY_HEADER], spoofed);
      assert.equal(headers.authorization, undefined, "credentials stop at the edge");
      const identity = verifyIdentity(secret, headers[IDENTITY_HEADER] as string);
      assert.deepEqual(identity, {
        sub: `user-${kid}`,
        role: "admin",
        email: "boss@example.com",
        via: "token",
        ip: "127.0.0.1",
      });
      assert.equal(headers["x-forwarded-for"], "127.0.0.1");
    }
    // No credentials: an anonymous assertion, the spoofed header still dropped.
    const anon = await call(gw.base, "/api/v1/projects", { headers: { [IDENTITY_HEADER]: spoofed } });
    assert.deepEqual(verifyIdentity(secret, anon.body.headers![IDENTITY_HEADER] as string), {
      sub: "anonymous",
      role: "anonymous",
      via: "anonymous",
      ip: "127.0.0.1",
    });
    assert.ok(stub.received.length >= 3);
  });

  it("refuses every forged or unusable token with 401 problem+json", async () => {
    const good = await keys.token();
    const [h, p, s] = good.split(".") as [string, string, string];
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p))) as Record<string, unknown>;
    const enc = (o: unknown) => base64url.encode(JSON.stringify(o));
    const now = Math.floor(Date.now() / 1000);
    // HS256 "signed" with the public key material (RS/HS confusion).
    const publicJwk = keys.keys[0]!.publicJwk;
    const hs = await new SignJWT({ role: "admin" })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setIssuer("codereview-mesh-auth")
      .setAudience("codereview-mesh")
      .setSubject("attacker")
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    const hsRaw = await new SignJWT({ role: "admin" })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setIssuer("codereview-mesh-auth")
      .setAudience("codereview-mesh")
      .setSubject("attacker")
      .setExpirationTime(now + 600)
      .sign(base64url.decode(publicJwk.x!));
    const other = new TestKeys();
    await other.add("k1");
    const cases: Record<string, string> = {
      "alg none": `${enc({ alg: "none", typ: "JWT" })}.${enc({ ...payload, role: "admin" })}.`,
      "alg none with kid": `${enc({ alg: "none", kid: "k1" })}.${p}.`,
      "HS256 with public JWK": hs,
      "HS256 with raw public key": hsRaw,
      "tampered payload": `${h}.${enc({ ...payload, role: "admin" })}.${s}`,
      "tampered signature": `${h}.${p}.${s.slice(0, -4)}${s.endsWith("AAAA") ? "BBBB" : "AAAA"}`,
      expired: await keys.token({}, { exp: now - 120, nbf: now - 1000 }),
      "not yet valid": await keys.token({}, { nbf: now + 600 }),
      "wrong issuer": await keys.token({}, { iss: "someone-else" }),
      "wrong audience": await keys.token({}, { aud: "other-api" }),
      "unknown kid": await keys.token({}, { kid: "k1" }).then((t) => t.replace(h, enc({ alg: "EdDSA", kid: "nope" }))),
      "signed by another key with a known kid": await other.token(),
      "bad role": await keys.token({ role: "root" }),
      garbage: "not.a.jwt",
      "empty bearer": "",
    };
    for (const [name, token] of Object.entries(cases)) {
      const r = await call(gw.base, "/api/v1/projects", { headers: { authorization: `Bearer ${token}` } });
      assertProblem(r, 401);
      assert.ok(!JSON.stringify(r.body).includes(token) || token === "", `${name} echoes the token`);
    }
    assertProblem(await call(gw.base, "/api/v1/projects", { headers: { authorization: `Basic dXNlcjpwYXNz` } }), 401);
    // An expired token on a credential-optional route (refresh) degrades to anonymous instead.
    const refresh = await call(gw.base, "/api/v1/auth/refresh", {
      method: "POST",
      headers: { authorization: `Bearer ${cases.expired}`, "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(refresh.status, 200);
    assert.equal(verifyIdentity(secret, refresh.body.headers![IDENTITY_HEADER] as string)?.role, "anonymous");
    // Nothing secret reaches the logs.
    const logs = gw.logs.join("\n");
    for (const token of Object.values(cases).filter((t) => t.length > 20)) assert.ok(!logs.includes(token));
  });

  it("validates API keys over gRPC, as Bearer or X-API-Key, and caches the answers", async () => {
    const before = grpc.calls.length;
    const a = await call(gw.base, "/api/v1/providers", { headers: { authorization: `Bearer ${API_KEY}` } });
    assert.equal(a.status, 200);
    const id = verifyIdentity(secret, a.body.headers![IDENTITY_HEADER] as string);
    assert.deepEqual(id, { sub: "key-user", role: "admin", email: "keys@example.com", via: "apikey", ip: "127.0.0.1" });
    assert.equal(a.body.headers!["x-api-key"], undefined);
    const b = await call(gw.base, "/api/v1/providers", { headers: { "x-api-key": API_KEY } });
    assert.equal(b.status, 200);
    assert.equal(grpc.calls.length - before, 1, "second use served from cache");
    assertProblem(await call(gw.base, "/api/v1/providers", { headers: { "x-api-key": UNKNOWN_KEY } }), 401);
    assertProblem(await call(gw.base, "/api/v1/providers", { headers: { "x-api-key": UNKNOWN_KEY } }), 401);
    assert.equal(grpc.calls.filter((k) => k === UNKNOWN_KEY).length, 1, "invalid answers are cached too");
    assertProblem(await call(gw.base, "/api/v1/providers", { headers: { "x-api-key": DISABLED_KEY } }), 401);
    assertProblem(await call(gw.base, "/api/v1/providers", { headers: { "x-api-key": "crm_short" } }), 401);
    assertProblem(await call(gw.base, "/api/v1/providers", { headers: { "x-api-key": "nonsense" } }), 401);
    for (const line of gw.logs) assert.ok(!line.includes(API_KEY.slice(4)));
  });

  it("accepts, mints, returns and forwards request ids", async () => {
    const given = await call(gw.base, "/api/v1/projects", { headers: { "x-request-id": "client-req.42:a" } });
    assert.equal(given.headers.get("x-request-id"), "client-req.42:a");
    assert.equal(given.body.headers!["x-request-id"], "client-req.42:a");
    const minted = await call(gw.base, "/api/v1/projects", { headers: { "x-request-id": "bad id\twith spaces" } });
    const id = minted.headers.get("x-request-id")!;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(minted.body.headers!["x-request-id"], id);
    const none = await call(gw.base, "/api/v1/nowhere");
    assert.equal(none.body.requestId, none.headers.get("x-request-id"));
    assert.ok((await call(gw.base, "/health")).headers.get("x-request-id"));
  });

  it("limits bodies by Content-Length and by counting chunked uploads", async () => {
    const project = stubs.get("project")!;
    const big = await rawRequest(`${gw.base}/api/v1/projects`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Buffer.alloc(2048, 0x20),
    });
    assert.equal(big.status, 413);
    assert.match(String(big.headers["content-type"]), /problem\+json/);
    const seen = project.received.length;
    const chunked = await rawRequest(`${gw.base}/api/v1/projects`, {
      method: "POST",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      chunks: Array.from({ length: 8 }, () => Buffer.alloc(300, 0x20)),
    });
    assert.equal(chunked.status, 413, chunked.body);
    assert.equal(JSON.parse(chunked.body).status, 413);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(project.received.length, seen, "the upstream never completed a truncated upload");
    const small = await rawRequest(`${gw.base}/api/v1/projects`, {
      method: "POST",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      chunks: [Buffer.from('{"name":'), Buffer.from('"x"}')],
    });
    assert.equal(small.status, 200);
    assert.equal(JSON.parse(small.body).bodyBytes, 12);
    // The archive upload has its own, larger limit.
    const archive = await rawRequest(`${gw.base}/api/v1/projects/p1/archive`, {
      method: "POST",
      headers: { "content-type": "application/gzip", expect: "100-continue" },
      body: Buffer.alloc(3000, 1),
    });
    assert.equal(archive.status, 200);
    assert.equal(JSON.parse(archive.body).bodyBytes, 3000);
    assert.equal(JSON.parse(archive.body).headers.expect, undefined, "100-continue is answered at the edge");
    const tooBigArchive = await rawRequest(`${gw.base}/api/v1/projects/p1/archive`, {
      method: "POST",
      headers: { "content-type": "application/gzip" },
      body: Buffer.alloc(5000, 1),
    });
    assert.equal(tooBigArchive.status, 413);
  });

  it("answers CORS for allowed origins only, preflight included", async () => {
    const allowed = await call(gw.base, "/api/v1/projects", { headers: { origin: "https://app.example.com" } });
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://app.example.com");
    assert.match(allowed.headers.get("access-control-expose-headers") ?? "", /x-request-id/);
    const refused = await call(gw.base, "/api/v1/projects", { headers: { origin: "https://evil.example.com" } });
    assert.equal(refused.headers.get("access-control-allow-origin"), null);
    const preflight = await fetch(`${gw.base}/api/v1/projects`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "https://app.example.com");
    assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
    assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /authorization/);
    const badPreflight = await fetch(`${gw.base}/api/v1/projects`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example.com", "access-control-request-method": "DELETE" },
    });
    assert.equal(badPreflight.status, 204);
    assert.equal(badPreflight.headers.get("access-control-allow-origin"), null);
    assert.equal(badPreflight.headers.get("access-control-allow-methods"), null);
  });

  it("sets security headers on its own responses and never x-powered-by", async () => {
    for (const path of ["/api/v1/nowhere", "/health", "/api/openapi.json"]) {
      const r = await fetch(gw.base + path);
      await r.arrayBuffer();
      assert.equal(r.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(r.headers.get("x-frame-options"), "DENY", path);
      assert.ok(r.headers.get("content-security-policy"), path);
      assert.equal(r.headers.get("x-powered-by"), null, path);
    }
    const proxied = await fetch(`${gw.base}/api/v1/projects`);
    await proxied.arrayBuffer();
    assert.equal(proxied.headers.get("x-powered-by"), null);
    assert.equal(proxied.headers.get("keep-alive"), null);
  });

  it("serves a merged, valid OpenAPI 3.1 document and Swagger UI", async () => {
    const r = await call(gw.base, "/api/openapi.json");
    assert.equal(r.status, 200);
    const result = await new Validator().validate(r.body as Parameters<Validator["validate"]>[0]);
    assert.equal(result.valid, true, JSON.stringify(result.errors));
    assert.equal(r.body.openapi, "3.1.0");
    const paths = r.body.paths as Record<string, unknown>;
    assert.ok(paths["/api/v1/projects"], "project paths merged");
    assert.ok(paths["/api/v1/projects/{id}/analyses"], "analysis paths merged");
    assert.ok(paths["/ready"], "gateway ops listed");
    assert.equal(paths["/api/v1/analyses/{id}"], undefined, "a path outside the upstream's routes is dropped");
    const components = r.body.components as { securitySchemes: object; schemas: Record<string, unknown> };
    assert.ok(components.schemas.projectThing);
    assert.ok(components.securitySchemes);
    const docs = await fetch(`${gw.base}/api/docs/`);
    const html = await docs.text();
    assert.equal(docs.status, 200);
    assert.match(html, /swagger-ui/i);
    assert.match(docs.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    const init = await fetch(`${gw.base}/api/docs/swagger-ui-init.js`);
    assert.match(await init.text(), /\/api\/openapi\.json/);
    const asset = await fetch(`${gw.base}/api/docs/swagger-ui-bundle.js`);
    assert.equal(asset.status, 200, "Swagger UI assets are served locally (works offline)");
    await asset.arrayBuffer();
  });

  it("reports readiness with Redis, JWKS and non-critical upstream components", async () => {
    const r = await call(gw.base, "/ready");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const components = r.body.components as { name: string; status: string; critical: boolean }[];
    const byName = Object.fromEntries(components.map((c) => [c.name, c]));
    assert.equal(byName.redis?.status, "up");
    assert.equal(byName.jwks?.status, "up");
    assert.equal(byName.jwks?.critical, true);
    for (const name of Object.keys(URL_KEYS)) {
      assert.equal(byName[`upstream:${name}`]?.status, "up", name);
      assert.equal(byName[`upstream:${name}`]?.critical, false);
    }
  });

  it("times out a silent upstream with 504 problem+json", async () => {
    const stub = stubs.get("provider")!;
    stub.handlers.set("/api/v1/usage", () => {
      // Never answers.
    });
    const slow = await startGateway({ ...baseEnv, UPSTREAM_TIMEOUT_MS: "200" });
    try {
      const r = await call(slow.base, "/api/v1/usage");
      assertProblem(r, 504);
      assert.equal(r.body.dependency, "provider");
      assert.ok(r.ms < 2000);
      const line = slow.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.status === 504);
      assert.ok(line, "5xx is logged");
      assert.equal(line.level, "error");
      assert.equal(line.path, "/api/v1/usage");
      assert.equal(typeof line.durationMs, "number");
      assert.equal(line.requestId, r.body.requestId);
    } finally {
      stub.handlers.delete("/api/v1/usage");
      await slow.stop();
    }
  });
});

describe("gateway rate limiting", () => {
  it("limits anonymous callers per IP and users per user with a sliding window → 429 + Retry-After", async () => {
    const keys = new TestKeys();
    await keys.add("k1");
    const auth = new StubUpstream("auth");
    auth.handlers.set("/.well-known/jwks.json", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(keys.jwks()));
    });
    await auth.start();
    const project = await new StubUpstream("project").start();
    const gw = await startGateway({
      AUTH_URL: auth.url,
      PROJECT_URL: project.url,
      AUTH_GRPC_ADDR: "127.0.0.1:1",
      RATE_LIMIT_ANONYMOUS: "3",
      RATE_LIMIT_USER: "5",
      RATE_LIMIT_WINDOW_MS: "2000",
    });
    try {
      const statuses = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i++) {
        last = await fetch(`${gw.base}/api/v1/projects`);
        await last.arrayBuffer();
        statuses.push(last.status);
      }
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      const retryAfter = Number(last!.headers.get("retry-after"));
      assert.ok(retryAfter >= 1 && retryAfter <= 2, `retry-after ${retryAfter}`);
      assert.equal(last!.headers.get("ratelimit-limit"), "3");
      assert.equal(last!.headers.get("ratelimit-remaining"), "0");
      assert.match(last!.headers.get("content-type") ?? "", /problem\+json/);
      // A signed-in user has a bucket of their own.
      const token = await keys.token();
      const user = await fetch(`${gw.base}/api/v1/projects`, { headers: { authorization: `Bearer ${token}` } });
      await user.arrayBuffer();
      assert.equal(user.status, 200);
      assert.equal(user.headers.get("ratelimit-limit"), "5");
      assert.equal(user.headers.get("ratelimit-remaining"), "4");
      // The window slides: after it has passed, anonymous requests are admitted again.
      await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
      const again = await fetch(`${gw.base}/api/v1/projects`);
      await again.arrayBuffer();
      assert.equal(again.status, 200);
      const metrics = await (await fetch(`${gw.base}/metrics`)).text();
      assert.match(metrics, /gateway_rejections_total\{reason="ratelimit"[^}]*\} 1/);
    } finally {
      await gw.stop();
      await project.stop();
      await auth.stop();
    }
  });
});

describe("gateway upstream breaker", () => {
  it("opens on a dead upstream, fails fast with 503, and recovers by itself", async () => {
    const keys = new TestKeys();
    await keys.add("k1");
    const auth = new StubUpstream("auth");
    auth.handlers.set("/.well-known/jwks.json", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(keys.jwks()));
    });
    await auth.start();
    const project = await new StubUpstream("project").start();
    const gw = await startGateway({
      AUTH_URL: auth.url,
      PROJECT_URL: project.url,
      AUTH_GRPC_ADDR: "127.0.0.1:1",
      BREAKER_VOLUME_THRESHOLD: "3",
      BREAKER_RESET_MS: "400",
      LOG_LEVEL: "warn",
    });
    try {
      assert.equal((await call(gw.base, "/api/v1/projects")).status, 200);
      await project.stop();
      const failures: number[] = [];
      let open: Reply | undefined;
      for (let i = 0; i < 10; i++) {
        const r = await call(gw.base, "/api/v1/projects");
        failures.push(r.status);
        if (r.status === 503 && /circuit open/.test(String(r.body.detail))) {
          open = r;
          break;
        }
        assert.ok([502, 503].includes(r.status), `status ${r.status}`);
        assert.equal(r.body.dependency, "project");
      }
      assert.ok(open, `breaker never opened: ${failures.join(",")}`);
      assertProblem(open, 503);
      assert.equal(open.body.dependency, "project");
      // Fail fast while open.
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await call(gw.base, "/api/v1/projects");
        assert.equal(r.status, 503);
        times.push(r.ms);
      }
      const median = [...times].sort((a, b) => a - b)[2]!;
      process.stdout.write(`# breaker open: 503 in ${times.map((t) => t.toFixed(2)).join(", ")} ms\n`);
      assert.ok(median < 50, `open breaker answered in ${median} ms (median)`);
      // A single GC pause on a busy CI machine must not fail the test; a slow path would.
      assert.ok(Math.max(...times) < 250, `open breaker answered in ${Math.max(...times)} ms (worst)`);
      let metrics = await (await fetch(`${gw.base}/metrics`)).text();
      assert.match(metrics, /circuit_breaker_state\{[^}]*breaker="upstream\.project"[^}]*\} 2/);
      const ready = await call(gw.base, "/ready");
      assert.equal(ready.status, 200, "a dead upstream does not take the edge out of rotation");
      // Bring it back on the same port: after the reset timeout one trial passes and closes it.
      await project.start();
      await new Promise((r) => setTimeout(r, 450));
      const recovered = await call(gw.base, "/api/v1/projects");
      assert.equal(recovered.status, 200, JSON.stringify(recovered.body));
      assert.equal((await call(gw.base, "/api/v1/projects")).status, 200);
      metrics = await (await fetch(`${gw.base}/metrics`)).text();
      assert.match(metrics, /circuit_breaker_state\{[^}]*breaker="upstream\.project"[^}]*\} 0/);
      // No log storm: the refused requests give one error line for the open period and one
      // summary when the circuit lets a request through again, not one line per 503.
      const lines = gw.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
      const opened = lines.filter((l) => /circuit open: refusing/.test(String(l.msg)));
      assert.equal(opened.length, 1, "one line per open period");
      const passed = lines.find((l) => /let a request through again/.test(String(l.msg)));
      assert.ok(passed && Number(passed.refused) >= 6, `summary: ${JSON.stringify(passed)}`);
      const perRequest = lines.filter((l) => l.status === 503 && l.msg === "request failed");
      assert.ok(perRequest.length <= failures.length, `per-request 503 lines: ${perRequest.length}`);
    } finally {
      await gw.stop();
      await project.stop();
      await auth.stop();
    }
  });
});
