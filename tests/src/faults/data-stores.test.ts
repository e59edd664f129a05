import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@crm/db";
import { api, freePort, newUser, startMesh, type Mesh } from "../mesh.js";
import { eventually, load, privateRedis } from "./helpers.js";

describe("faults: PostgreSQL and Redis", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it("PostgreSQL restarted: /ready goes 503 then 200, and every accepted write can be read back", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "crm-pg-"));
    const port = await freePort();
    let pg: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir, port });
    cleanups.push(() => pg.stop());
    const mesh: Mesh = await startMesh({
      parts: ["auth", "project", "gateway"],
      serverUrl: pg.url,
      env: { RATE_LIMIT_USER: "1000000", RATE_LIMIT_ANONYMOUS: "1000000" },
    });
    cleanups.push(() => mesh.stop());
    const user = await newUser(mesh.url);
    const projectReady = `http://127.0.0.1:${mesh.env.PROJECT_HTTP_PORT}/ready`;

    const writes = load(2, () =>
      api(mesh.url, "POST", "/api/v1/projects", {
        token: user.accessToken,
        body: { name: `w-${Date.now()}-${Math.random()}` },
      }),
    );
    await new Promise((r) => setTimeout(r, 400));
    await pg.stop();
    await eventually(async () => (await fetch(projectReady)).status === 503);
    await new Promise((r) => setTimeout(r, 500));
    pg = await startEmbeddedPostgres({ dataDir, port });
    await eventually(async () => (await fetch(projectReady)).status === 200, 30_000);
    await new Promise((r) => setTimeout(r, 400));
    const results = await writes.stop();

    const accepted = results.filter((r) => r.value?.status === 201).map((r) => String(r.value!.body.id));
    const crashed = results.filter((r) => r.error || (r.value!.status >= 500 && r.value!.status !== 503));
    assert.ok(accepted.length > 0);
    assert.equal(
      crashed.length,
      0,
      `writes during the outage must fail with 503, got ${JSON.stringify(crashed.slice(0, 2).map((r) => r.value?.status ?? String(r.error)))}`,
    );
    for (const id of accepted) {
      const read = await api(mesh.url, "GET", `/api/v1/projects/${id}`, { token: user.accessToken });
      assert.equal(read.status, 200, `accepted project ${id} must survive the restart`);
    }
  });

  it("Redis down: rate limits fail open, login lockout fails closed, nothing crashes, recovery is automatic", async () => {
    const redis = await privateRedis();
    cleanups.push(() => redis.stop());
    const mesh = await startMesh({
      parts: ["auth", "gateway"],
      env: { REDIS_URL: redis.url, RATE_LIMIT_USER: "1000000", RATE_LIMIT_ANONYMOUS: "1000000" },
    });
    cleanups.push(() => mesh.stop());
    const user = await newUser(mesh.url);

    await redis.stop();
    const me = await api(mesh.url, "GET", "/api/v1/auth/me", { token: user.accessToken });
    assert.equal(me.status, 200, "rate limiting fails open: authenticated reads still work");
    const login = await api(mesh.url, "POST", "/api/v1/auth/login", {
      body: { email: user.email, password: user.password },
    });
    assert.equal(login.status, 503, "login lockout cannot be checked: fail closed with 503");
    assert.equal(login.headers.get("content-type")?.split(";")[0], "application/problem+json");
    for (const [name, proc] of mesh.procs) assert.equal(proc.child.exitCode, null, `${name} must not crash`);

    await redis.start();
    await eventually(
      async () =>
        (await api(mesh.url, "POST", "/api/v1/auth/login", { body: { email: user.email, password: user.password } }))
          .status === 200,
    );
  });
});
