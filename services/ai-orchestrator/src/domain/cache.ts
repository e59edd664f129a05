import { createHash } from "node:crypto";
import type { Logger, Redis } from "@crm/kit";
import type { ChatRequest, ChatResponse } from "./types.js";

/**
 * Exact response cache in Redis. Only deterministic requests are cached (temperature 0 or a
 * seed, one choice): the key is the sha256 of the canonical JSON of everything that shapes the
 * answer (model as requested, messages, parameters), so key order and streaming do not matter.
 * The cache is an optimisation: when Redis fails it is skipped (fail open), never an error.
 */
export interface CachedAnswer {
  response: ChatResponse;
  providerId: string;
  providerName: string;
  model: string;
}

/** Fields that do not change the answer. */
const IGNORED = new Set(["stream", "stream_options", "user", "metadata", "store"]);

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

export function isDeterministic(req: ChatRequest): boolean {
  const single = req.n === undefined || req.n === null || req.n === 1;
  return single && (req.temperature === 0 || (req.seed !== undefined && req.seed !== null));
}

export function cacheKey(req: ChatRequest): string {
  const relevant = Object.fromEntries(Object.entries(req).filter(([k]) => !IGNORED.has(k)));
  return `aicache:${createHash("sha256").update(canonicalJson(relevant)).digest("hex")}`;
}

export function responseCache(redis: Redis, logger: Logger) {
  const log = logger.child({ component: "cache" });
  return {
    async get(key: string): Promise<CachedAnswer | undefined> {
      try {
        const raw = await redis.get(key);
        return raw ? (JSON.parse(raw) as CachedAnswer) : undefined;
      } catch (err) {
        log.warn({ err: { message: (err as Error).message } }, "response cache unreachable: treated as a miss");
        return undefined;
      }
    },
    async set(key: string, answer: CachedAnswer, ttlSeconds: number): Promise<void> {
      if (ttlSeconds <= 0) return;
      try {
        await redis.set(key, JSON.stringify(answer), "EX", ttlSeconds);
      } catch (err) {
        log.warn({ err: { message: (err as Error).message } }, "response cache unreachable: answer not stored");
      }
    },
  };
}

export type ResponseCache = ReturnType<typeof responseCache>;
