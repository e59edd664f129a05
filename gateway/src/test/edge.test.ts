import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { IDENTITY_HEADER, verifyIdentity } from "@crm/kit";
import { StubUpstream, TestKeys, startGateway, type GatewayHandle } from "../testing/helpers.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function authStub(keys: TestKeys) {
  const stub = new StubUpstream("auth");
  let jwksHits = 0;
  stub.handlers.set("/.well-known/jwks.json", (_req, res) => {
    jwksHits++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(keys.jwks()));
  });
  await stub.start();
  return { stub, hits: () => jwksHits };
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

describe("gateway edge behaviour", () => {
  const keys = new TestKeys();
  let auth: Awaited<ReturnType<typeof authStub>>;
  let project: StubUpstream;

  before(async () => {
    await keys.add("k1");
    auth = await authStub(keys);
    project = await new StubUpstream("project").start();
  });
  after(async () => {
    await project.stop();
    await auth.stub.stop();
  });

  const start = (env: Record<string, string> = {}) =>
    startGateway({ AUTH_URL: auth.stub.url, PROJECT_URL: project.url, AUTH_GRPC_ADDR: "127.0.0.1:1", ...env });

  it("takes the client IP from X-Forwarded-For only from trusted proxies", async () => {
    let gw: GatewayHandle = await start();
    try {
      const r = await json(await fetch(`${gw.base}/api/v1/projects`, { headers: { "x-forwarded-for": "6.6.6.6" } }));
      const headers = r.headers as Record<string, string>;
      assert.equal(verifyIdentity(gw.env.MESH_SECRET!, headers[IDENTITY_HEADER])?.ip, "127.0.0.1");
      assert.equal(headers["x-forwarded-for"], "127.0.0.1", "an untrusted client's XFF is not passed on");
    } finally {
      await gw.stop();
    }
    gw = await start({ TRUST_PROXY: "loopback" });
    try {
      const r = await json(
        await fetch(`${gw.base}/api/v1/projects`, { headers: { "x-forwarded-for": "203.0.113.9, 127.0.0.1" } }),
      );
      const headers = r.headers as Record<string, string>;
      assert.equal(verifyIdentity(gw.env.MESH_SECRET!, headers[IDENTITY_HEADER])?.ip, "203.0.113.9");
      assert.equal(headers["x-forwarded-for"], "203.0.113.9, 127.0.0.1, 127.0.0.1");
    } finally {
      await gw.stop();
    }
  });

  it("follows key rotation with one rate-limited JWKS refetch per unknown kid", async () => {
    const gw = await start({ JWKS_REFETCH_COOLDOWN_MS: "300" });
    try {
      assert.equal((await fetch(`${gw.base}/ready`)).status, 200);
      await keys.add("k-rotated");
      await sleep(350);
      const rotated = await keys.token({}, { kid: "k-rotated" });
      const ok = await fetch(`${gw.base}/api/v1/projects`, { headers: { authorization: `Bearer ${rotated}` } });
      await ok.arrayBuffer();
      assert.equal(ok.status, 200);
      // A flood of unknown kids costs auth at most one fetch per cooldown.
      await sleep(350);
      const before = auth.hits();
      const other = new TestKeys();
      await other.add("forged-kid");
      const forged = await other.token();
      for (let i = 0; i < 10; i++) {
        const r = await fetch(`${gw.base}/api/v1/projects`, { headers: { authorization: `Bearer ${forged}` } });
        await r.arrayBuffer();
        assert.equal(r.status, 401);
      }
      assert.ok(auth.hits() - before <= 1, `JWKS fetched ${auth.hits() - before} times`);
    } finally {
      await gw.stop();
    }
  });

  it("counts a dead upstream's bare 502 against its breaker but passes a service's own 503 problem through", async () => {
    const gw = await start({ BREAKER_VOLUME_THRESHOLD: "3", BREAKER_RESET_MS: "60000" });
    try {
      project.handlers.set("/api/v1/projects/own-503", (_req, res) => {
        res.writeHead(503, { "content-type": "application/problem+json" }).end(
          JSON.stringify({
            type: "x",
            title: "Service Unavailable",
            status: 503,
            detail: "db down",
            dependency: "postgres",
          }),
        );
      });
      for (let i = 0; i < 6; i++) {
        const r = await fetch(`${gw.base}/api/v1/projects/own-503`);
        const body = await json(r);
        assert.equal(r.status, 503);
        assert.equal(body.dependency, "postgres", "the service's own problem reaches the client unchanged");
      }
      project.handlers.set("/api/v1/projects/bare-502", (_req, res) => {
        res.writeHead(502, { "content-type": "text/html" }).end("<h1>bad gateway</h1>");
      });
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const r = await fetch(`${gw.base}/api/v1/projects/bare-502`);
        await r.arrayBuffer();
        statuses.push(r.status);
      }
      assert.equal(statuses[0], 502);
      assert.equal(statuses.at(-1), 503, `breaker should be open: ${statuses.join(",")}`);
    } finally {
      project.handlers.clear();
      await gw.stop();
    }
  });

  it("fails open when Redis goes away: requests pass, a metric counts it, /ready stays up", async () => {
    // A TCP relay in front of the real Redis, so the test can cut the gateway's connection.
    const sockets = new Set<net.Socket>();
    const relay = net.createServer((client) => {
      const upstream = net.connect(6379, "127.0.0.1");
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
    const port = (relay.address() as net.AddressInfo).port;
    const gw = await start({ REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_ANONYMOUS: "2" });
    try {
      const first = await fetch(`${gw.base}/api/v1/projects`);
      await first.arrayBuffer();
      assert.equal(first.headers.get("ratelimit-limit"), "2");
      const closed = new Promise<void>((r) => relay.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
      await sleep(50);
      for (let i = 0; i < 5; i++) {
        const r = await fetch(`${gw.base}/api/v1/projects`);
        await r.arrayBuffer();
        assert.equal(r.status, 200, "fail open: no 429, no 500");
      }
      const metrics = await (await fetch(`${gw.base}/metrics`)).text();
      const m = /gateway_ratelimit_errors_total(?:\{[^}]*\})? (\d+)/.exec(metrics);
      assert.ok(m && Number(m[1]) >= 5, `metric: ${m?.[0]}`);
      const ready = await fetch(`${gw.base}/ready`);
      const body = await json(ready);
      assert.equal(ready.status, 200);
      const redis = (body.components as { name: string; status: string }[]).find((c) => c.name === "redis");
      assert.equal(redis?.status, "down");
    } finally {
      await gw.stop();
      relay.close();
    }
  });
});
