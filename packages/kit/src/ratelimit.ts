import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { RedisSlidingWindowRateLimiter, type Redis as LimiterRedis } from "sliding-window-rate-limiter";
import { unavailable } from "./errors.js";
import type { Redis } from "./redis.js";

/**
 * Sliding-window rate limits in Redis, shared by the gateway (requests per user/IP) and the
 * provider service (requests-per-minute quotas).
 *
 * The algorithm is `sliding-window-rate-limiter`'s (a sliding log: one sorted-set member per
 * admitted request, timestamps from Redis `TIME`, everything in one Lua script, so it is exact
 * and atomic across replicas). Two compatibility fixes are applied to its scripts when they are
 * loaded: `redis.replicate_commands()` is called only where it exists (the in-process store
 * behind `memory://` has none; Redis ≥ 7 keeps it as a no-op), and the key's expiry is set in
 * milliseconds (`PEXPIRE`), so idle keys go away one window after their last request.
 *
 * Policy when Redis fails or is slow: fail OPEN by default (the request is allowed, `degraded`
 * is set and `onError` is told so the caller can log and count it); never an error to the
 * client. With `failOpen: false` the caller gets a 503 naming Redis instead.
 */
export interface SlidingWindowLimiterOptions {
  redis: Redis;
  /** Length of the sliding window. */
  windowMs: number;
  /** Requests (cost units) admitted per window; `consume` may override it per call. */
  limit: number;
  /** Key prefix under the client's own keyPrefix, e.g. "rl:gateway:". */
  prefix: string;
  /** A Redis call slower than this counts as a failure (default 250 ms). */
  operationTimeoutMs?: number;
  /** Allow requests while Redis is unavailable (default true). */
  failOpen?: boolean;
  /** Told about every Redis failure (log + metric at the caller). */
  onError?: (err: Error) => void;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** The limit that applied. */
  limit: number;
  /** Units left in the window after this call. */
  remaining: number;
  /** When denied: milliseconds until `cost` units fit again; 0 when allowed. */
  retryAfterMs: number;
  /** Milliseconds until the window has room again for one unit (0 when it has room now). */
  resetMs: number;
  /** True when Redis failed and the decision is the fail-open default. */
  degraded?: true;
}

export interface SlidingWindowLimiter {
  /** Takes `cost` units for `key`; denied calls take nothing. */
  consume(key: string, cost?: number, limit?: number): Promise<RateLimitDecision>;
  /** Current usage without taking anything. */
  peek(key: string, limit?: number): Promise<RateLimitDecision>;
}

type Script = "reserve" | "check" | "cancel";

let scripts: Record<Script, string> | undefined;

/** The library's Lua, with the two compatibility fixes described above. */
function loadScripts(): Record<Script, string> {
  if (scripts) return scripts;
  const require = createRequire(import.meta.url);
  // The package exports only ".", so resolve its entry and walk to the shipped Lua sources.
  const entry = require.resolve("sliding-window-rate-limiter");
  const dir = path.join(path.dirname(entry), "..", "src", "redis");
  const patch = (lua: string) =>
    lua
      .replace("redis.replicate_commands()", "if redis.replicate_commands then redis.replicate_commands() end")
      .replace('redis.call("EXPIRE", key, interval)', 'redis.call("PEXPIRE", key, interval)');
  scripts = {
    reserve: patch(readFileSync(path.join(dir, "reserve.lua"), "utf8")),
    check: patch(readFileSync(path.join(dir, "check.lua"), "utf8")),
    cancel: patch(readFileSync(path.join(dir, "cancel.lua"), "utf8")),
  };
  return scripts;
}

export function createSlidingWindowLimiter(opts: SlidingWindowLimiterOptions): SlidingWindowLimiter {
  const { windowMs, prefix } = opts;
  if (!(windowMs > 0)) throw new Error("windowMs must be positive");
  const failOpen = opts.failOpen ?? true;
  const redis = opts.redis as unknown as LimiterRedis;
  const limiter = new RedisSlidingWindowRateLimiter({
    redis,
    interval: windowMs,
    operationTimeout: opts.operationTimeoutMs ?? 250,
  });
  // Same command names as the library's, so its reserve/check/cancel run the fixed scripts.
  const lua = loadScripts();
  redis.defineCommand("limiter_reserve", { lua: lua.reserve, numberOfKeys: 1 });
  redis.defineCommand("limiter_check", { lua: lua.check, numberOfKeys: 1 });
  redis.defineCommand("limiter_cancel", { lua: lua.cancel, numberOfKeys: 1 });

  const failed = (err: unknown, limit: number): RateLimitDecision => {
    const error = err instanceof Error ? err : new Error(String(err));
    opts.onError?.(error);
    if (!failOpen) throw unavailable("redis", "Rate limiting is unavailable (Redis)");
    return { allowed: true, limit, remaining: limit, retryAfterMs: 0, resetMs: 0, degraded: true };
  };

  return {
    async consume(key, cost = 1, limit = opts.limit) {
      const full = prefix + key;
      if (cost > limit) {
        // Can never fit: answer without touching Redis.
        return { allowed: false, limit, remaining: 0, retryAfterMs: windowMs, resetMs: windowMs };
      }
      try {
        const tokens: number[] = [];
        let usage = 0;
        let reset = 0;
        for (let i = 0; i < cost; i++) {
          const r = await limiter.reserve(full, limit);
          usage = r.usage;
          reset = r.reset ?? 0;
          if (r.token === undefined) {
            // Denied: give back what this call took, so a denied call costs nothing.
            for (const t of tokens) await limiter.cancel(full, t);
            const retryAfterMs = reset > 0 ? reset : windowMs;
            return {
              allowed: false,
              limit,
              remaining: Math.max(0, limit - usage + tokens.length),
              retryAfterMs,
              resetMs: retryAfterMs,
            };
          }
          tokens.push(r.token);
        }
        return { allowed: true, limit, remaining: Math.max(0, limit - usage), retryAfterMs: 0, resetMs: reset };
      } catch (err) {
        return failed(err, limit);
      }
    },

    async peek(key, limit = opts.limit) {
      try {
        const r = await limiter.check(prefix + key, limit);
        const resetMs = r.reset ?? 0;
        const allowed = r.usage < limit;
        return {
          allowed,
          limit,
          remaining: Math.max(0, limit - r.usage),
          retryAfterMs: allowed ? 0 : resetMs,
          resetMs,
        };
      } catch (err) {
        return failed(err, limit);
      }
    },
  };
}
