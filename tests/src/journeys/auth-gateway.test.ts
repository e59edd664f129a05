import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADMIN, api, newUser, startMesh, type Mesh } from "../mesh.js";

/**
 * The foundation end to end: the gateway in front of auth, each in its own process, real
 * Postgres and Redis. What a user of the public API sees.
 */
describe("gateway + auth journey", () => {
  let mesh: Mesh;

  before(async () => {
    mesh = await startMesh({
      parts: ["auth", "gateway"],
      env: { RATE_LIMIT_USER: "1000000", RATE_LIMIT_ANONYMOUS: "1000000" },
    });
  });
  after(async () => mesh?.stop());

  it("registers, logs in, reads /me, refreshes and logs out through the gateway", async () => {
    const user = await newUser(mesh.url);
    const me = await api(mesh.url, "GET", "/api/v1/auth/me", { token: user.accessToken });
    assert.equal(me.status, 200);
    assert.equal(me.body.email, user.email);
    assert.equal(me.body.role, "member");
    const refreshed = await api(mesh.url, "POST", "/api/v1/auth/refresh", {
      body: { refreshToken: user.refreshToken },
    });
    assert.equal(refreshed.status, 200);
    const reuse = await api(mesh.url, "POST", "/api/v1/auth/refresh", { body: { refreshToken: user.refreshToken } });
    assert.equal(reuse.status, 401);
    const familyGone = await api(mesh.url, "POST", "/api/v1/auth/refresh", {
      body: { refreshToken: refreshed.body.refreshToken },
    });
    assert.equal(familyGone.status, 401, "reuse of a spent token revokes the whole family");
  });

  it("an API key works as Bearer and as X-API-Key, and stops working once revoked", async () => {
    const user = await newUser(mesh.url);
    const created = await api(mesh.url, "POST", "/api/v1/auth/api-keys", {
      token: user.accessToken,
      body: { name: "ci" },
    });
    assert.equal(created.status, 201);
    const key = String(created.body.key);
    assert.equal((await api(mesh.url, "GET", "/api/v1/auth/me", { token: key })).body.email, user.email);
    const viaHeader = await api(mesh.url, "GET", "/api/v1/auth/me", { headers: { "x-api-key": key } });
    assert.equal(viaHeader.status, 200);
    const list = await api(mesh.url, "GET", "/api/v1/auth/api-keys", { token: user.accessToken });
    assert.ok(!JSON.stringify(list.body).includes(key), "list never shows keys");
    assert.equal(
      (await api(mesh.url, "DELETE", `/api/v1/auth/api-keys/${created.body.id}`, { token: user.accessToken })).status,
      204,
    );
    let status = 200;
    for (let i = 0; i < 40 && status === 200; i++) {
      status = (await api(mesh.url, "GET", "/api/v1/auth/me", { token: key })).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(status, 401, "a revoked key stops working (after the gateway's short cache)");
  });

  it("the bootstrapped admin manages users; a member gets 403", async () => {
    const admin = await api(mesh.url, "POST", "/api/v1/auth/login", { body: ADMIN });
    assert.equal(admin.status, 200);
    const member = await newUser(mesh.url);
    const list = await api(mesh.url, "GET", "/api/v1/users", { token: String(admin.body.accessToken) });
    assert.equal(list.status, 200);
    assert.ok(Array.isArray(list.body.items));
    assert.ok("nextCursor" in list.body);
    assert.equal((await api(mesh.url, "GET", "/api/v1/users", { token: member.accessToken })).status, 403);
    const patched = await api(mesh.url, "PATCH", `/api/v1/users/${member.id}`, {
      token: String(admin.body.accessToken),
      body: { disabled: true },
    });
    assert.equal(patched.status, 200);
    // A disabled account with the right password is told so (403); a wrong password stays 401.
    const login = await api(mesh.url, "POST", "/api/v1/auth/login", {
      body: { email: member.email, password: member.password },
    });
    assert.equal(login.status, 403);
  });

  it("a client-set identity header is ignored and the upstream refuses direct calls without one", async () => {
    const forged = await api(mesh.url, "GET", "/api/v1/auth/me", {
      headers: { "x-mesh-identity": "eyJzdWIiOiJ4In0.forged" },
    });
    assert.equal(forged.status, 401);
    const direct = await fetch(`http://127.0.0.1:${mesh.env.AUTH_HTTP_PORT}/api/v1/auth/me`);
    assert.equal(direct.status, 401);
  });

  it("carries one request id from the edge through auth's HTTP and gRPC hops into every log line", async () => {
    const user = await newUser(mesh.url);
    const key = await api(mesh.url, "POST", "/api/v1/auth/api-keys", {
      token: user.accessToken,
      body: { name: "rid" },
    });
    const requestId = `journey-${Date.now()}`;
    // An API key makes the gateway call auth over gRPC; a bad body makes auth log a 4xx line.
    const res = await api(mesh.url, "POST", "/api/v1/auth/api-keys", {
      token: String(key.body.key),
      body: { name: "" },
      headers: { "x-request-id": requestId },
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get("x-request-id"), requestId);
    assert.equal(res.body.requestId, requestId);
    assert.ok(Array.isArray(res.body.errors));
    await new Promise((r) => setTimeout(r, 300));
    const services = new Set(
      mesh
        .logs()
        .filter((l) => l.includes(requestId))
        .map((l) => (JSON.parse(l) as { service: string }).service),
    );
    assert.ok(services.has("gateway") && services.has("auth"), `request id seen in ${[...services].join(",")}`);
  });

  it("errors are problem+json with a request id, and no secret reaches any log line", async () => {
    const res = await api(mesh.url, "POST", "/api/v1/auth/login", {
      body: { email: "nobody@mesh.test", password: "Wrong-password-123" },
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("content-type")?.split(";")[0], "application/problem+json");
    for (const field of ["type", "title", "status", "detail", "requestId"]) assert.ok(field in res.body, field);
    const logs = mesh.logs().join("\n");
    assert.ok(!logs.includes("Wrong-password-123"));
    assert.ok(!logs.includes(ADMIN.password));
    assert.ok(!/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/.test(logs), "no JWT in logs");
  });

  it("when auth dies the gateway answers 503 in milliseconds; when it returns, it recovers by itself", async () => {
    const user = await newUser(mesh.url);
    await mesh.kill("auth");
    let last = await api(mesh.url, "GET", "/api/v1/auth/me", { token: user.accessToken });
    for (let i = 0; i < 10; i++) last = await api(mesh.url, "GET", "/api/v1/auth/me", { token: user.accessToken });
    assert.equal(last.status, 503);
    const started = performance.now();
    const fast = await api(mesh.url, "GET", "/api/v1/auth/me", { token: user.accessToken });
    const ms = performance.now() - started;
    assert.equal(fast.status, 503);
    assert.match(JSON.stringify(fast.body), /auth/);
    assert.ok(ms < 50, `answered in ${ms.toFixed(1)} ms`);
    await mesh.start("auth");
    let status = 503;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await api(mesh.url, "GET", "/api/v1/auth/me", { token: user.accessToken })).status;
    }
    assert.equal(status, 200, "recovered without operator action");
  });
});
