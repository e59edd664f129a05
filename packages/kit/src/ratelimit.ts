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

/**
 * A distributed sliding-window limiter for hot paths (the gateway): decisions are local and
 * synchronous, Redis is updated in the background.
 *
 * Algorithm: the window is split into `slots` sub-windows ("sliding window counter" with
 * sub-buckets). A hit is counted in the slot it happened in and stays in the count until that
 * slot's start is one window old, i.e. between `windowMs - windowMs/slots` and `windowMs` after
 * the hit (so Retry-After never exceeds the window, and the count may release at most one slot's
 * hits early). Each process keeps, per key, the last global counts it read from Redis plus its
 * own hits that Redis has not confirmed yet, and decides from their sum at once: within one
 * process the limit is exact. Every `syncIntervalMs` the keys used since the last sync go to
 * Redis in ONE pipeline: one Lua script per key adds the unsynced hits to their slots (a hash
 * per key, HINCRBY + PEXPIRE, old slots deleted) and returns every live slot's global count,
 * which replaces the local view.
 *
 * Bound: a process learns of the others' hits at most one sync (plus one Redis round trip)
 * late, so across N replicas the limit can be exceeded by at most the requests the replicas
 * admitted during one sync interval: ≤ N × (per-replica request rate for the key) ×
 * (syncIntervalMs + Redis RTT). A key that was idle locally starts from its last known (or an
 * empty) global view. Clocks: slots are numbered from each process's wall clock, so replicas
 * should be NTP-synchronised (skew ≪ windowMs/slots).
 *
 * Redis down or slow (`operationTimeoutMs`): fail OPEN. While the client is not connected or
 * the last sync failed, every decision is `allowed` with `degraded: true` (no limit applies;
 * the caller counts them), `onError` is told about each failed sync; syncs keep being tried
 * and the first one that succeeds ends the degraded mode. Hits of a failed sync are dropped
 * (never counted twice). Never throws on the hot path.
 *
 * Memory: keys not used for one window (and with nothing left to sync) are evicted; beyond
 * `maxKeys` the oldest key is evicted when a new one arrives.
 */
export interface BatchedRateLimiterOptions {
  redis: Redis;
  windowMs: number;
  /** Units admitted per window; `consume` may override it per call. */
  limit: number;
  /** Key prefix under the client's own keyPrefix, e.g. "rl:gateway:". */
  prefix: string;
  /** How often local hits are written to Redis and the global view refreshed (default 50 ms). */
  syncIntervalMs?: number;
  /** Sub-windows per window (default 10): hits leave the count within windowMs/slots of their exact expiry. */
  slots?: number;
  /** A sync slower than this counts as failed (default 250 ms). */
  operationTimeoutMs?: number;
  /** Keys held locally at most (default 100,000). */
  maxKeys?: number;
  /** Told about every failed sync (log + metric at the caller). */
  onError?: (err: Error) => void;
}

export interface BatchedRateLimiter {
  /** Takes `cost` units for `key` (denied calls take nothing); synchronous, never throws. */
  consume(key: string, cost?: number, limit?: number): RateLimitDecision;
  /** Syncs now every key used since the last sync (also what the background timer does). */
  sync(): Promise<void>;
  /** Drops idle keys now (the timer does it about once per window). */
  sweep(): void;
  /** Keys currently held in memory. */
  readonly size: number;
  /** True while decisions fail open (Redis unreachable or the last sync failed). */
  readonly degraded: boolean;
  /** Stops the timer after one last sync. */
  close(): Promise<void>;
}

/**
 * KEYS[1]: hash slot-number → hits. ARGV[1]: oldest live slot, ARGV[2]: TTL ms, then pairs
 * (slot, hits) to add. Returns the live slots' counts as "slot hits slot hits ..." (a string: the
 * in-process store cannot return tables built in a loop, and slot numbers exceed its 32-bit integers).
 */
const SYNC_LUA = `
local key = KEYS[1]
local oldest = tonumber(ARGV[1])
for i = 3, #ARGV, 2 do
  redis.call("HINCRBY", key, ARGV[i], ARGV[i + 1])
end
local all = redis.call("HGETALL", key)
local out = {}
for i = 1, #all, 2 do
  local slot = tonumber(all[i])
  if slot < oldest then
    redis.call("HDEL", key, all[i])
  else
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
  end
end
if #ARGV > 2 then redis.call("PEXPIRE", key, ARGV[2]) end
return table.concat(out, " ")
`;

type SyncRedis = Redis & {
  crmRateSync(key: string, ...args: (string | number)[]): Promise<string>;
};

/** Per-key state: a ring of `slots` positions, each holding one slot number and its counts. */
interface KeyState {
  key: string;
  /** Slot number held at each ring position (-1: empty). */
  slot: number[];
  /** Global count per position, as Redis last returned it (includes our synced hits). */
  global: number[];
  /** Own hits not sent to Redis yet. */
  pending: number[];
  /** Own hits sent in the sync in flight. */
  inflight: number[];
  lastUsed: number;
  /** Queued for the next sync. */
  dirty: boolean;
}

export function createBatchedRateLimiter(opts: BatchedRateLimiterOptions): BatchedRateLimiter {
  const { windowMs, prefix } = opts;
  if (!(windowMs > 0)) throw new Error("windowMs must be positive");
  const slots = Math.max(1, Math.floor(opts.slots ?? 10));
  const slotMs = windowMs / slots;
  const syncMs = Math.max(1, opts.syncIntervalMs ?? 50);
  const timeoutMs = opts.operationTimeoutMs ?? 250;
  const maxKeys = Math.max(1, opts.maxKeys ?? 100_000);
  const ttlMs = Math.ceil(windowMs + slotMs);
  const redis = opts.redis as SyncRedis;
  redis.defineCommand("crmRateSync", { lua: SYNC_LUA, numberOfKeys: 1 });

  const keys = new Map<string, KeyState>();
  let queue: KeyState[] = [];
  let lastSyncFailed = false;
  let syncing: Promise<void> | undefined;
  let lastSweep = Date.now();
  let closed = false;

  const connected = () => {
    const status = (redis as { status?: string }).status;
    return status === undefined || status === "ready";
  };

  /** Ring position of `slot`, cleared first when it still holds an older slot. */
  const position = (s: KeyState, slot: number): number => {
    const p = slot % slots;
    if (s.slot[p] !== slot) {
      s.slot[p] = slot;
      s.global[p] = 0;
      s.pending[p] = 0;
      s.inflight[p] = 0;
    }
    return p;
  };

  const stateOf = (key: string, now: number): KeyState => {
    let s = keys.get(key);
    if (s) return s;
    if (keys.size >= maxKeys) {
      const oldest = keys.keys().next().value;
      if (oldest !== undefined) keys.delete(oldest);
    }
    s = {
      key,
      slot: new Array<number>(slots).fill(-1),
      global: new Array<number>(slots).fill(0),
      pending: new Array<number>(slots).fill(0),
      inflight: new Array<number>(slots).fill(0),
      lastUsed: now,
      dirty: false,
    };
    keys.set(key, s);
    return s;
  };

  const degradedDecision = (limit: number): RateLimitDecision => ({
    allowed: true,
    limit,
    remaining: limit,
    retryAfterMs: 0,
    resetMs: 0,
    degraded: true,
  });

  const consume = (key: string, cost = 1, limit = opts.limit): RateLimitDecision => {
    const now = Date.now();
    const current = Math.floor(now / slotMs);
    const oldest = current - slots + 1;
    const s = stateOf(key, now);
    s.lastUsed = now;
    if (!s.dirty) {
      s.dirty = true;
      queue.push(s);
    }
    if (lastSyncFailed || !connected()) {
      // Fail open; the hit is still recorded so Redis hears of it once it is back.
      s.pending[position(s, current)]! += cost;
      return degradedDecision(limit);
    }
    let used = 0;
    let oldestUsed = -1;
    for (let p = 0; p < slots; p++) {
      const slot = s.slot[p]!;
      if (slot < oldest) continue;
      const n = s.global[p]! + s.pending[p]! + s.inflight[p]!;
      used += n;
      if (n > 0 && (oldestUsed < 0 || slot < oldestUsed)) oldestUsed = slot;
    }
    // Time until the slot numbered `slot` leaves the window.
    const expiry = (slot: number) => Math.max(0, Math.ceil((slot + slots) * slotMs - now));
    if (cost <= limit && used + cost <= limit) {
      s.pending[position(s, current)]! += cost;
      const after = used + cost;
      return {
        allowed: true,
        limit,
        remaining: limit - after,
        retryAfterMs: 0,
        resetMs: after < limit ? 0 : expiry(oldestUsed < 0 ? current : oldestUsed),
      };
    }
    let retryAfterMs = windowMs;
    if (cost <= limit) {
      // Walk the live slots from the oldest until enough has left the window for `cost` to fit.
      let left = used;
      for (let slot = oldest; slot <= current; slot++) {
        const p = slot % slots;
        if (s.slot[p] !== slot) continue;
        left -= s.global[p]! + s.pending[p]! + s.inflight[p]!;
        if (left + cost <= limit) {
          retryAfterMs = Math.max(1, expiry(slot));
          break;
        }
      }
    }
    return {
      allowed: false,
      limit,
      remaining: Math.max(0, limit - used),
      retryAfterMs,
      resetMs: retryAfterMs,
    };
  };

  const failed = (err: unknown) => {
    lastSyncFailed = true;
    opts.onError?.(err instanceof Error ? err : new Error(String(err)));
  };

  const runSync = async (): Promise<void> => {
    const batch = queue;
    queue = [];
    const now = Date.now();
    const current = Math.floor(now / slotMs);
    const oldest = current - slots + 1;
    const pipeline = redis.pipeline() as unknown as {
      crmRateSync(key: string, ...args: (string | number)[]): void;
      exec(): Promise<[Error | null, unknown][] | null>;
    };
    for (const s of batch) {
      s.dirty = false;
      const args: (string | number)[] = [oldest, ttlMs];
      for (let p = 0; p < slots; p++) {
        const slot = s.slot[p]!;
        const n = s.pending[p]!;
        if (n === 0) continue;
        s.pending[p] = 0;
        if (slot < oldest) continue;
        s.inflight[p]! += n;
        args.push(slot, n);
      }
      pipeline.crmRateSync(prefix + s.key, ...args);
    }
    let timer: NodeJS.Timeout | undefined;
    let results: [Error | null, unknown][] | null;
    try {
      results = await Promise.race([
        pipeline.exec(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`rate-limit sync timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      for (const s of batch) s.inflight.fill(0);
      failed(err);
      return;
    } finally {
      clearTimeout(timer);
    }
    let firstError: Error | undefined;
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i]!;
      s.inflight.fill(0);
      const [err, value] = results?.[i] ?? [new Error("no reply"), undefined];
      if (err || typeof value !== "string") {
        firstError ??= err ?? new Error("unexpected rate-limit sync reply");
        continue;
      }
      // Redis's counts include everything this process sent so far: they replace the global view.
      s.global.fill(0);
      const pairs = value === "" ? [] : value.split(" ");
      for (let j = 0; j + 1 < pairs.length; j += 2) {
        const slot = Number(pairs[j]);
        if (!(slot >= oldest && slot <= current)) continue;
        s.global[position(s, slot)] = Number(pairs[j + 1]);
      }
    }
    if (firstError) failed(firstError);
    else lastSyncFailed = false;
  };

  const sync = (): Promise<void> => {
    if (syncing) return syncing;
    if (queue.length === 0) return Promise.resolve();
    syncing = runSync().finally(() => {
      syncing = undefined;
    });
    return syncing;
  };

  const sweep = () => {
    const now = Date.now();
    lastSweep = now;
    for (const [key, s] of keys) {
      if (!s.dirty && now - s.lastUsed > windowMs && s.inflight.every((n) => n === 0)) keys.delete(key);
    }
  };

  const timer = setInterval(() => {
    void sync();
    if (Date.now() - lastSweep >= Math.min(windowMs, 10_000)) sweep();
  }, syncMs);
  timer.unref();

  return {
    consume,
    sync,
    sweep,
    get size() {
      return keys.size;
    },
    get degraded() {
      return lastSyncFailed || !connected();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await syncing;
      await sync();
    },
  };
}
