import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, it } from "node:test";
import { createLogger } from "./logger.js";
import { createSlidingWindowLimiter } from "./ratelimit.js";
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
