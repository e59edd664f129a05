import { randomUUID } from "node:crypto";
import type { Redis } from "@crm/kit";

/**
 * Requests-per-minute counting: a sliding window over a sorted set of call timestamps, checked
 * and recorded in one Lua script so that concurrent callers cannot both take the last slot.
 */
export interface RequestLimiter {
  /** Counts one request unless `limit` are already in the window. */
  hit(key: string, limit: number): Promise<{ allowed: boolean; count: number; retryAfterMs: number }>;
  /** Requests in the current window. */
  count(key: string): Promise<number>;
}

const HIT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local retry = window
  if oldest[2] then retry = tonumber(oldest[2]) + window - now end
  return {0, count, retry}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return {1, count + 1, 0}
`;

export function slidingWindowLimiter(redis: Redis, windowMs = 60_000): RequestLimiter {
  return {
    async hit(key, limit) {
      const now = Date.now();
      const [allowed, count, retry] = (await redis.eval(HIT, 1, key, now, windowMs, limit, `${now}-${randomUUID()}`)) as number[];
      return { allowed: allowed === 1, count: Number(count), retryAfterMs: Math.max(1, Number(retry)) };
    },
    async count(key) {
      return redis.zcount(key, Date.now() - windowMs, "+inf");
    },
  };
}
