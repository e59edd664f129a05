import { currentContext, HttpError, tooManyRequests, type Logger } from "@crm/kit";
import type { ProviderClient } from "../clients/provider.js";
import type { RouteStore } from "../data/routes.js";
import type { Adapter } from "./adapters/adapter.js";
import { UpstreamError } from "./adapters/errors.js";
import { toChunks } from "./adapters/local.js";
import { attemptTarget, FatalError, type AttemptResult } from "./attempt.js";
import type { BreakerRegistry } from "./breakers.js";
import { cacheKey, isDeterministic, type ResponseCache } from "./cache.js";
import type { AiMetrics } from "./metrics.js";
import { candidateKey, planFor, type Candidate, type LatencyTracker } from "./plan.js";
import { redactMessages } from "./redact.js";
import { countChatTokens } from "./tokens.js";
import { textOf, type ChatChunk, type ChatRequest, type ChatResponse, type Target } from "./types.js";

export interface Caller {
  userId: string;
  projectId: string | null;
}

/** What the answer's headers say (x-provider, x-model, x-cache, x-fallbacks). */
export interface AnswerMeta {
  providerId: string;
  provider: string;
  model: string;
  cache: "hit" | "miss";
  fallbacks: number;
  retries: number;
  redactions: number;
}

export interface Completion {
  response: ChatResponse;
  meta: AnswerMeta;
  costUsd: number;
}

/** Streaming output: `start` once before the first chunk, then chunks in order. */
export interface StreamSink {
  start(meta: AnswerMeta): void;
  chunk(chunk: ChatChunk): void;
}

export interface EngineSettings {
  requestTimeoutMs: number;
  attemptTimeoutMs: number;
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  cacheTtlSeconds: number;
  redactSecrets: boolean;
}

interface Failure {
  candidate: Candidate;
  result: Extract<AttemptResult, { ok: false }>;
}

/**
 * The orchestrator's use case: one chat completion through routing, cache, quotas, breakers,
 * retries and fallback, within the caller's deadline. HTTP and gRPC both come through here.
 */
export function completionEngine(deps: {
  provider: ProviderClient;
  routes: RouteStore;
  cache: ResponseCache;
  breakers: BreakerRegistry;
  latency: LatencyTracker;
  adapters: Record<string, Adapter>;
  metrics: AiMetrics;
  settings: EngineSettings;
  logger: Logger;
}) {
  const { provider, cache, breakers, latency, metrics, settings } = deps;
  const log = deps.logger.child({ component: "engine" });

  async function run(req: ChatRequest, caller: Caller, signal: AbortSignal, sink?: StreamSink): Promise<Completion> {
    const ctx = currentContext();
    const requestId = ctx?.requestId ?? "internal";
    const deadline = Math.min(ctx?.deadline ?? Infinity, Date.now() + settings.requestTimeoutMs);
    const messages = req.messages.map((m) => ({ role: m.role, content: textOf(m.content) }));
    const estimatedInputTokens = countChatTokens(messages, req.model);
    const maxOutputTokens = req.max_tokens ?? req.max_completion_tokens ?? 0;

    const [route, catalog] = await Promise.all([deps.routes.get(req.model), provider.catalog()]);
    const plan = planFor(req.model, route, catalog, {
      inputTokens: estimatedInputTokens,
      outputTokens: maxOutputTokens || 256,
      latency,
    });
    const ttl = route?.cacheTtlSeconds ?? settings.cacheTtlSeconds;
    const key = ttl > 0 && isDeterministic(req) ? cacheKey(req) : undefined;

    if (key) {
      const hit = await cache.get(key);
      metrics.cache.inc({ result: hit ? "hit" : "miss" });
      if (hit) {
        const meta: AnswerMeta = {
          providerId: hit.providerId,
          provider: hit.providerName,
          model: hit.model,
          cache: "hit",
          fallbacks: 0,
          retries: 0,
          redactions: 0,
        };
        void provider
          .record({
            requestId,
            userId: caller.userId,
            projectId: caller.projectId ?? "",
            providerId: hit.providerId,
            providerName: hit.providerName,
            model: hit.model,
            requestedModel: req.model,
            inputTokens: hit.response.usage?.prompt_tokens ?? 0,
            outputTokens: hit.response.usage?.completion_tokens ?? 0,
            costUsd: 0,
            latencyMs: 0,
            cacheHit: true,
            outcome: "ok",
            error: "",
          })
          .catch((err: Error) => log.warn({ err: { message: err.message } }, "cache hit not recorded"));
        if (sink) {
          sink.start(meta);
          for (const c of toChunks(hit.response)) sink.chunk(c);
        }
        return { response: hit.response, meta, costUsd: 0 };
      }
    }

    // Redacted once, on first use by an external target; the local provider sees the original.
    let redacted: Promise<Awaited<ReturnType<typeof redactMessages>>> | undefined;
    let redactions = 0;
    const prepare = async (target: Target): Promise<ChatRequest> => {
      const out: ChatRequest = { ...req, model: target.model };
      if (target.kind !== "local" && settings.redactSecrets) {
        redacted ??= redactMessages(req.messages);
        const r = await redacted;
        out.messages = r.messages;
        if (r.count > 0 && redactions === 0) metrics.redactions.inc(r.count);
        redactions = r.count;
      }
      return out;
    };

    const order = [...plan.candidates, ...(plan.fallback ? [plan.fallback] : [])];
    const failures: Failure[] = [];
    let started: AnswerMeta | undefined;
    for (let i = 0; i < order.length; i++) {
      const candidate = order[i]!;
      if (Date.now() >= deadline || signal.aborted) break;
      let result: AttemptResult;
      try {
        result = await attemptTarget(
          candidate,
          {
            requestId,
            userId: caller.userId,
            projectId: caller.projectId,
            requested: req.model,
            deadline,
            signal,
            estimatedInputTokens,
            maxOutputTokens,
            attemptTimeoutMs: route?.timeoutMs ?? settings.attemptTimeoutMs,
            retries: route?.retries ?? settings.retries,
            retryBaseMs: settings.retryBaseMs,
            retryMaxMs: settings.retryMaxMs,
            hasNext: i < order.length - 1,
            ...(sink
              ? {
                  onFirstChunk: (t: Target) => {
                    started = {
                      providerId: t.providerId,
                      provider: t.providerName,
                      model: t.model,
                      cache: "miss",
                      fallbacks: failures.length,
                      retries: 0,
                      redactions,
                    };
                    sink.start(started);
                  },
                  onChunk: (c: ChatChunk) => sink.chunk(c),
                }
              : {}),
          },
          {
            provider,
            adapter: (kind) => deps.adapters[kind],
            breaker: breakers.get(candidate.providerId, candidate.providerName, candidate.model),
            prepare,
            metrics,
            logger: log,
          },
        );
      } catch (err) {
        metrics.fallbacks.inc(failures.length);
        if (err instanceof FatalError) throw err.error;
        throw err; // a stream that broke after its first chunk: the caller sees it end in error
      }
      if (result.ok) {
        metrics.fallbacks.inc(failures.length);
        const { target, response } = result;
        latency.observe(candidateKey(candidate), result.latencyMs);
        metrics.tokens.inc(
          { provider: target.providerName, model: target.model, direction: "input" },
          response.usage?.prompt_tokens ?? 0,
        );
        metrics.tokens.inc(
          { provider: target.providerName, model: target.model, direction: "output" },
          response.usage?.completion_tokens ?? 0,
        );
        metrics.cost.inc({ provider: target.providerName, model: target.model }, result.costUsd);
        if (key)
          await cache.set(
            key,
            { response, providerId: target.providerId, providerName: target.providerName, model: target.model },
            ttl,
          );
        const meta: AnswerMeta = started ?? {
          providerId: target.providerId,
          provider: target.providerName,
          model: target.model,
          cache: "miss",
          fallbacks: failures.length,
          retries: result.retries,
          redactions,
        };
        meta.retries = result.retries;
        return { response, meta, costUsd: result.costUsd };
      }
      failures.push({ candidate, result });
    }
    metrics.fallbacks.inc(failures.length);
    throw finalError(req.model, failures, deadline, signal);
  }

  return {
    complete: (req: ChatRequest, caller: Caller, signal: AbortSignal) => run({ ...req, stream: false }, caller, signal),
    stream: (req: ChatRequest, caller: Caller, sink: StreamSink, signal: AbortSignal) =>
      run({ ...req, stream: true }, caller, signal, sink),
  };
}

export type CompletionEngine = ReturnType<typeof completionEngine>;

/** Says clearly why nothing answered: over quota (429), every target open (503), out of time (504)… */
function finalError(requested: string, failures: Failure[], deadline: number, signal: AbortSignal): HttpError {
  const attempts = failures.map(({ candidate, result }) => ({
    provider: candidate.providerName,
    model: candidate.model,
    reason: result.reason,
    ...(result.error instanceof UpstreamError && result.error.status ? { status: result.error.status } : {}),
    detail: result.error.message,
  }));
  const extensions = { attempts };
  if (signal.aborted) return new HttpError(499, "The caller went away", { extensions });
  const reasons = new Set(failures.map((f) => f.result.reason));
  if (failures.length > 0 && reasons.size === 1 && reasons.has("quota")) {
    const first = failures[0]!.result.error as HttpError;
    const retryAfter = Math.min(...failures.map((f) => (f.result.error as HttpError).retryAfter ?? 60));
    return tooManyRequests(first.message, retryAfter, { ...first.extensions, ...extensions });
  }
  const rateLimited = failures.filter((f) => f.result.error instanceof UpstreamError && f.result.error.status === 429);
  if (failures.length > 0 && rateLimited.length === failures.length) {
    const waits = rateLimited.map((f) => (f.result.error as UpstreamError).retryAfterMs ?? 1000);
    return tooManyRequests(
      `Every target of '${requested}' is rate limited by its provider`,
      Math.max(1, Math.ceil(Math.min(...waits) / 1000)),
      extensions,
    );
  }
  if (failures.length > 0 && reasons.size === 1 && reasons.has("open"))
    return new HttpError(503, `Every AI target of '${requested}' is unavailable (circuit open)`, {
      extensions: { ...extensions, dependency: "ai-targets" },
      retryAfter: 5,
    });
  if (Date.now() >= deadline || reasons.has("deadline"))
    return new HttpError(504, `No target of '${requested}' answered within the deadline`, { extensions });
  return new HttpError(503, `All ${failures.length} target(s) of '${requested}' failed`, {
    extensions: { ...extensions, dependency: "ai-targets" },
  });
}
