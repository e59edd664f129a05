import { Redis } from "ioredis";
import type { Logger } from "pino";

export type { Redis } from "ioredis";

export interface RedisOptions {
  url: string;
  keyPrefix: string;
  logger: Logger;
}

/** The URL that selects the in-process store (all-in-one mode without a Redis server). */
export const MEMORY_REDIS_URL = "memory://";

/**
 * Connects to Redis, or, for memory://, to an in-process store that speaks the same API
 * (ioredis-mock, Lua included). Instances in one process share that store, so the parts of an
 * all-in-one platform see the same counters; separate processes would not, which is why split
 * mode refuses memory://.
 */
export async function createRedis({ url, keyPrefix, logger }: RedisOptions): Promise<Redis> {
  if (url === MEMORY_REDIS_URL) {
    const { default: RedisMock } = await import("ioredis-mock");
    return new RedisMock({ keyPrefix, host: "in-process", port: 6379 }) as unknown as Redis;
  }
  const redis = new Redis(url, {
    keyPrefix,
    lazyConnect: true,
    // Fail fast while Redis is down instead of queueing: callers apply their documented policy.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
  let warned = false;
  redis.on("error", (err) => {
    if (!warned) logger.warn({ err: { message: err.message } }, "redis connection error");
    warned = true;
  });
  redis.on("ready", () => {
    if (warned) logger.info("redis connection restored");
    warned = false;
  });
  await redis.connect();
  return redis;
}
