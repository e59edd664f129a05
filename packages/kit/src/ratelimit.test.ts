import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { after, describe, it } from "node:test";
import { createLogger } from "./logger.js";
import {
  createBatchedRateLimiter,
  createSlidingWindowLimiter,
  type BatchedRateLimiter,
  type BatchedRateLimiterOptions,
} from "./ratelimit.js";
import { createRedis, MEMORY_REDIS_URL, type Redis } from "./redis.js";

const logger = createLogger({ name: "ratelimit-test", level: "silent" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REAL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

for (const [name, url] of [
  ["real Redis", REAL],
  ["in-process store (memory://)", MEMORY_REDIS_URL],
] as const) {
  describe(`sliding-window limiter on ${name}`, () => {
    let redis: Redis;
    const keyPrefix = `crm-test-${randomBytes(4).toString("hex")}:`;
    after(async () => {
      if (url !== MEMORY_REDIS_URL) {
        const keys = await redis.keys(`${keyPrefix}*`);
        // keys() returns full names; the client adds the prefix again, so strip it.
        if (keys.length) await redis.del(...keys.map((k) => k.slice(keyPrefix.length)));
      }
      redis.disconnect();
    });

    it("admits up to the limit, denies with retryAfter, and slides", async () => {
      redis = await createRedis({ url, keyPrefix, logger });
      // A window long enough that a slow, loaded CI machine finishes the four calls inside it.
      const limiter = createSlidingWindowLimiter({ redis, windowMs: 2000, limit: 3, prefix: "rl:" });
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await limiter.consume("alice"));
      assert.deepEqual(
        results.map((r) => [r.allowed, r.remaining]),
        [
          [true, 2],
          [true, 1],
          [true, 0],
          [false, 0],
        ],
      );
      const denied = results[3]!;
      assert.ok(denied.retryAfterMs > 0 && denied.retryAfterMs <= 2000, `retryAfterMs ${denied.retryAfterMs}`);
      assert.equal(denied.degraded, undefined);
      // Idle keys expire one window after their last request (PEXPIRE, not EXPIRE in seconds).
      const ttl = await redis.pttl("rl:alice");
      assert.ok(ttl > 0 && ttl <= 2000, `pttl ${ttl}`);
      // Another key is independent.
      assert.equal((await limiter.consume("bob")).allowed, true);
      // Once the oldest requests leave the window, requests are admitted again.
      await sleep(denied.retryAfterMs + 30);
      const again = await limiter.consume("alice");
      assert.equal(again.allowed, true);
      const peek = await limiter.peek("alice");
      assert.equal(peek.remaining, peek.limit - 1, "only the newest request is still in the window");
    });

    it("charges cost units, refuses what cannot fit without charging, and accepts a per-call limit", async () => {
      const limiter = createSlidingWindowLimiter({ redis, windowMs: 10_000, limit: 5, prefix: "rl-cost:" });
      assert.equal((await limiter.consume("k", 3)).remaining, 2);
      const denied = await limiter.consume("k", 3);
      assert.equal(denied.allowed, false);
      // The denied call took nothing back with it.
      assert.equal((await limiter.consume("k", 2)).allowed, true);
      assert.equal((await limiter.consume("k", 1)).allowed, false);
      assert.equal((await limiter.consume("k", 6)).allowed, false);
      const own = await limiter.consume("other", 1, 1);
      assert.deepEqual([own.allowed, own.limit, own.remaining], [true, 1, 0]);
      assert.equal((await limiter.consume("other", 1, 1)).allowed, false);
    });
  });
}

describe("sliding-window limiter while Redis is down", () => {
  it("fails open, reports the error, and never throws", async () => {
    // A client pointed at a closed port: every command fails at once (no offline queue).
    const { Redis: IORedis } = await import("ioredis");
    const client = new IORedis("redis://127.0.0.1:1", {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    }) as unknown as Redis;
    client.on("error", () => {});
    const errors: Error[] = [];
    const limiter = createSlidingWindowLimiter({
      redis: client,
      windowMs: 1000,
      limit: 2,
      prefix: "rl:",
      onError: (e) => errors.push(e),
    });
    const started = performance.now();
    const d = await limiter.consume("k");
    assert.ok(performance.now() - started < 500);
    assert.deepEqual([d.allowed, d.degraded], [true, true]);
    assert.equal(errors.length, 1);
    const strict = createSlidingWindowLimiter({
      redis: client,
      windowMs: 1000,
      limit: 2,
      prefix: "rl:",
      failOpen: false,
    });
    await assert.rejects(strict.consume("k"), (e: { status?: number }) => e.status === 503);
    client.disconnect();
  });
});

describe("batched limiter (local decisions, background sync)", () => {
  const keyPrefix = `crm-test-${randomBytes(4).toString("hex")}:`;
  const clients: Redis[] = [];
  const limiters: BatchedRateLimiter[] = [];
  const connect = async (url: string = REAL) => {
    const r = await createRedis({ url, keyPrefix, logger });
    clients.push(r);
    return r;
  };
  const make = (o: BatchedRateLimiterOptions) => {
    const l = createBatchedRateLimiter(o);
    limiters.push(l);
    return l;
  };
  after(async () => {
    for (const l of limiters) await l.close();
    const real = clients.find((c) => (c as { status?: string }).status === "ready");
    if (real) {
      const keys = await real.keys(`${keyPrefix}*`);
      if (keys.length) await real.del(...keys.map((k) => k.slice(keyPrefix.length)));
    }
    for (const c of clients) c.disconnect();
  });

  for (const [name, url] of [
    ["real Redis", REAL],
    ["memory://", MEMORY_REDIS_URL],
  ] as const) {
    it(`enforces the limit exactly within one process and slides (${name})`, async () => {
      const redis = await connect(url);
      const limiter = make({ redis, windowMs: 600, slots: 6, limit: 3, prefix: `brl-${name}:`, syncIntervalMs: 10 });
      const results = [];
      for (let i = 0; i < 5; i++) results.push(limiter.consume("alice"));
      assert.deepEqual(
        results.map((r) => [r.allowed, r.remaining]),
        [
          [true, 2],
          [true, 1],
          [true, 0],
          [false, 0],
          [false, 0],
        ],
      );
      const denied = results[3]!;
      assert.equal(denied.degraded, undefined);
      assert.ok(denied.retryAfterMs > 0 && denied.retryAfterMs <= 600, `retryAfterMs ${denied.retryAfterMs}`);
      assert.ok(results[2]!.resetMs > 0 && results[2]!.resetMs <= 600, `resetMs ${results[2]!.resetMs}`);
      // Another key is independent; a per-call limit applies; cost beyond the limit never fits.
      assert.equal(limiter.consume("bob", 1, 1).allowed, true);
      assert.equal(limiter.consume("bob", 1, 1).allowed, false);
      assert.equal(limiter.consume("carol", 4).allowed, false);
      // Synced to Redis: the count survives and the key expires (PEXPIRE ≈ one window + one slot).
      await limiter.sync();
      assert.equal(limiter.consume("alice").allowed, false);
      const ttl = await redis.pttl(`brl-${name}:alice`);
      assert.ok(ttl > 0 && ttl <= 700, `pttl ${ttl}`);
      // Once the oldest hits leave the window, requests are admitted again.
      await sleep(denied.retryAfterMs + 20);
      assert.equal(limiter.consume("alice").allowed, true);
    });
  }

  it("two instances sharing Redis converge (combined admissions ≤ limit + the sync bound)", async () => {
    const [ra, rb] = [await connect(), await connect()];
    const opts = { windowMs: 10_000, limit: 20, prefix: "brl-shared:", syncIntervalMs: 1_000_000 };
    const a = make({ ...opts, redis: ra });
    const b = make({ ...opts, redis: rb });
    // Before any sync each sees only its own hits.
    for (let i = 0; i < 8; i++) assert.equal(a.consume("k").allowed, true);
    for (let i = 0; i < 8; i++) assert.equal(b.consume("k").allowed, true);
    await a.sync();
    await b.sync();
    // b now knows all 16; a (synced before b) still knows only its own 8: the sync lag.
    assert.equal(b.consume("k").remaining, 3);
    assert.equal(a.consume("k").remaining, 11);
    await a.sync();
    // a's view is refreshed by its next sync of the key (17 in Redis, + this one).
    assert.equal(a.consume("k").remaining, 2);
    await b.sync();
    await a.sync();
    let admitted = 0;
    for (let i = 0; i < 5; i++) admitted += Number(a.consume("k").allowed) + Number(b.consume("k").allowed);
    // 19 admitted before the loop; b's view misses a's hits since b's last sync (two: one before
    // the loop, one in it), which is exactly the overshoot the sync lag allows.
    assert.ok(admitted >= 1 && 19 + admitted <= 22, `admitted ${19 + admitted}`);
    await a.sync();
    await b.sync();
    assert.deepEqual([a.consume("k").allowed, b.consume("k").allowed], [false, false], "converged");

    // With the background sync running: both hammer one key; the overshoot stays within the bound.
    const fast = { windowMs: 10_000, limit: 50, prefix: "brl-race:", syncIntervalMs: 20 };
    const c = make({ ...fast, redis: ra });
    const d = make({ ...fast, redis: rb });
    let total = 0;
    let calls = 0;
    const started = performance.now();
    while (performance.now() - started < 400) {
      total += Number(c.consume("hot").allowed) + Number(d.consume("hot").allowed);
      calls += 2;
      await sleep(1);
    }
    const elapsed = performance.now() - started;
    // Bound: N replicas × per-replica rate × (sync interval + a round trip), generous for a loaded machine.
    const rate = calls / 2 / elapsed;
    const bound = Math.ceil(2 * rate * (20 + 30));
    assert.ok(total >= 50 && total <= 50 + bound, `admitted ${total}, bound ${50 + bound}`);
  });

  it("fails open while Redis is down, tells onError, and recovers", async () => {
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
    const redis = await connect(`redis://127.0.0.1:${port}`);
    const errors: Error[] = [];
    const limiter = make({
      redis,
      windowMs: 10_000,
      limit: 2,
      prefix: "brl-down:",
      syncIntervalMs: 10,
      operationTimeoutMs: 100,
      onError: (e) => errors.push(e),
    });
    assert.equal(limiter.consume("k").degraded, undefined);
    await limiter.sync();
    await new Promise<void>((r) => {
      relay.close(() => r());
      for (const s of sockets) s.destroy();
    });
    await sleep(30);
    for (let i = 0; i < 5; i++) {
      const d = limiter.consume("k");
      assert.deepEqual([d.allowed, d.degraded], [true, true], "fail open, no throw");
    }
    await sleep(50);
    assert.ok(errors.length >= 1, "failed syncs are reported");
    assert.equal(limiter.degraded, true);
    // Redis is back on the same port: the client reconnects and limits apply again.
    const back = net.createServer((client) => {
      const upstream = net.connect(6379, "127.0.0.1");
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy()).on("close", () => upstream.destroy());
      upstream.on("error", () => client.destroy()).on("close", () => client.destroy());
    });
    await new Promise<void>((r) => back.listen(port, "127.0.0.1", r));
    try {
      const until = Date.now() + 5000;
      while (limiter.degraded && Date.now() < until) {
        limiter.consume("other");
        await sleep(20);
      }
      assert.equal(limiter.degraded, false, "recovered");
      const d = limiter.consume("fresh");
      assert.deepEqual([d.allowed, d.degraded, d.remaining], [true, undefined, 1]);
    } finally {
      await limiter.close();
      redis.disconnect();
      await new Promise<void>((r) => back.close(() => r()));
    }
  });

  it("evicts idle keys (bounded memory)", async () => {
    const redis = await connect(MEMORY_REDIS_URL);
    const limiter = make({ redis, windowMs: 100, limit: 5, prefix: "brl-idle:", syncIntervalMs: 10, maxKeys: 50 });
    for (let i = 0; i < 40; i++) limiter.consume(`ip-${i}`);
    assert.equal(limiter.size, 40);
    for (let i = 40; i < 80; i++) limiter.consume(`ip-${i}`);
    assert.equal(limiter.size, 50, "maxKeys caps the map");
    await sleep(200);
    await limiter.sync();
    limiter.sweep();
    assert.equal(limiter.size, 0, "keys idle for a window are dropped");
    // An evicted key starts again from Redis's view at the next sync.
    assert.equal(limiter.consume("ip-79").allowed, true);
  });
});
