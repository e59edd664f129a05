import { createSlidingWindowLimiter, type Redis } from "@crm/kit";

/**
 * Requests-per-minute counting for quotas: the kit's sliding-window limiter (the same one the
 * gateway uses: exact sliding log in one Lua script, atomic across replicas), failing CLOSED
 * here — an unreadable counter refuses the call (503) instead of letting it through.
 */
export interface RequestLimiter {
  /** Counts one request unless `limit` are already in the window. */
  hit(key: string, limit: number): Promise<{ allowed: boolean; count: number; retryAfterMs: number }>;
  /** Requests in the current window. */
  count(key: string, limit: number): Promise<number>;
}

export function slidingWindowLimiter(redis: Redis, windowMs = 60_000): RequestLimiter {
  const limiter = createSlidingWindowLimiter({
    redis,
    windowMs,
    limit: 1,
    prefix: "quota-rpm:",
    failOpen: false,
    operationTimeoutMs: 1000,
  });
  return {
    async hit(key, limit) {
      if (limit <= 0) return { allowed: false, count: 0, retryAfterMs: windowMs };
      const d = await limiter.consume(key, 1, limit);
      return { allowed: d.allowed, count: limit - d.remaining, retryAfterMs: Math.max(1, d.retryAfterMs) };
    },
    async count(key, limit) {
      if (limit <= 0) return 0;
      const d = await limiter.peek(key, limit);
      return limit - d.remaining;
    },
  };
}
