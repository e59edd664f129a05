import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { STRONG, assertProblem, signUp, startAuth, type Harness } from "../testing/harness.js";

const WRONG = "Definitely-not-the-password-3";

/** A TCP hop in front of the real Redis that a test can cut, to see what login does without Redis. */
async function redisProxy(target = new URL(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379")) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

describe("login lockout (per account and per client IP)", () => {
  let h: Harness;
  let proxy: Awaited<ReturnType<typeof redisProxy>>;
  const login = (email: string, password: string, ip = "198.51.100.1") =>
    h.call("POST", "/api/v1/auth/login", { as: h.anonymous(ip), body: { email, password } });

  before(async () => {
    proxy = await redisProxy();
    h = await startAuth({ REDIS_URL: proxy.url });
  });
  after(async () => {
    await h.stop();
  });

  it("after 5 failures for an account, the next attempt is 429 with Retry-After, even with the right password", async () => {
    await signUp(h, "target@example.com");
    for (let i = 0; i < 5; i++) assertProblem(await login("target@example.com", WRONG), 401);
    const locked = await login("target@example.com", STRONG);
    assertProblem(locked, 429);
    const retryAfter = Number(locked.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 900, `Retry-After ${retryAfter}`);
    // The account is locked whatever address the attempts come from...
    assertProblem(await login("target@example.com", STRONG, "192.0.2.99"), 429);
    // ...and unknown e-mails are counted the same way (no hint which accounts exist).
    for (let i = 0; i < 5; i++) assertProblem(await login("ghost@example.com", WRONG, "192.0.2.50"), 401);
    assertProblem(await login("ghost@example.com", WRONG, "192.0.2.50"), 429);
  });

  it("a successful login resets the account's count", async () => {
    await signUp(h, "forgetful@example.com");
    for (let i = 0; i < 4; i++) assertProblem(await login("forgetful@example.com", WRONG, "192.0.2.10"), 401);
    assert.equal((await login("forgetful@example.com", STRONG, "192.0.2.10")).status, 200);
    for (let i = 0; i < 4; i++) assertProblem(await login("forgetful@example.com", WRONG, "192.0.2.10"), 401);
    assert.equal((await login("forgetful@example.com", STRONG, "192.0.2.10")).status, 200);
  });

  it("after 20 failures from one IP (any accounts), that IP is locked out; other IPs are not", async () => {
    await signUp(h, "bystander@example.com");
    for (let i = 0; i < 20; i++) assertProblem(await login(`spray${i}@example.com`, WRONG, "203.0.113.66"), 401);
    const locked = await login("bystander@example.com", STRONG, "203.0.113.66");
    assertProblem(locked, 429);
    assert.ok(Number(locked.headers.get("retry-after")) >= 1);
    assert.equal((await login("bystander@example.com", STRONG, "203.0.113.67")).status, 200);
  });

  it("when Redis is down, login fails closed with 503; refresh, readiness and the JWKS keep working", async () => {
    const user = await signUp(h, "steady@example.com");
    await proxy.cut();
    const res = await login("steady@example.com", STRONG, "192.0.2.200");
    assertProblem(res, 503);
    assert.equal(res.body.dependency, "redis");
    const refreshed = await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: user.refreshToken } });
    assert.equal(refreshed.status, 200, refreshed.text);
    const ready = await fetch(`${h.base}/ready`);
    const body = (await ready.json()) as { components: { name: string; status: string }[] };
    assert.equal(ready.status, 200);
    assert.equal(body.components.find((c) => c.name === "redis")?.status, "down");
    assert.equal(body.components.find((c) => c.name === "postgres")?.status, "up");
    assert.equal((await fetch(`${h.base}/.well-known/jwks.json`)).status, 200);
  });
});
