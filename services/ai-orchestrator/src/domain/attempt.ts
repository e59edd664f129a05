import { HttpError, type Breaker, type Logger } from "@crm/kit";
import type { ProviderClient, UsageReport } from "../clients/provider.js";
import type { Adapter } from "./adapters/adapter.js";
import { UpstreamError } from "./adapters/errors.js";
import type { AiMetrics } from "./metrics.js";
import { countTokens } from "./tokens.js";
import type { Candidate } from "./plan.js";
import type { ChatChunk, ChatRequest, ChatResponse, Target } from "./types.js";

/** Everything one request's attempts share. */
export interface AttemptContext {
  requestId: string;
  userId: string;
  projectId: string | null;
  requested: string;
  deadline: number;
  signal: AbortSignal;
  estimatedInputTokens: number;
  maxOutputTokens: number;
  attemptTimeoutMs: number;
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Another target remains after this one (a 429 then moves on instead of waiting). */
  hasNext: boolean;
  /** Streaming: called with the first chunk of the answer; from then on there is no fallback. */
  onFirstChunk?: (target: Target) => void;
  onChunk?: (chunk: ChatChunk) => void;
}

export interface AttemptDeps {
  provider: ProviderClient;
  adapter: (kind: string) => Adapter | undefined;
  breaker: Breaker;
  /** The request to send to this target (model set, messages redacted for external targets). */
  prepare: (target: Target) => Promise<ChatRequest>;
  metrics: AiMetrics;
  logger: Logger;
}

export type AttemptResult =
  | { ok: true; target: Target; response: ChatResponse; costUsd: number; retries: number; latencyMs: number }
  | {
      ok: false;
      reason: "open" | "unavailable" | "quota" | "failed" | "deadline";
      error: HttpError | UpstreamError;
      retries: number;
    };

/** An error that ends the whole request: no other target may be tried. */
export class FatalError extends Error {
  constructor(readonly error: HttpError) {
    super(error.message);
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

function estimateUsage(response: ChatResponse, inputTokens: number): NonNullable<ChatResponse["usage"]> {
  const output = countTokens(response.choices[0]?.message.content ?? "", response.model);
  return { prompt_tokens: inputTokens, completion_tokens: output, total_tokens: inputTokens + output };
}

/** Full jitter: anywhere up to the exponential step. */
export const backoff = (attempt: number, baseMs: number, maxMs: number) =>
  Math.min(maxMs, Math.random() * baseMs * 2 ** attempt + 1);

/** Assembles a complete answer from streamed chunks (for usage, the ledger and the cache). */
function collector() {
  let id = "";
  let model = "";
  let created = 0;
  let content = "";
  let finish: string | null = null;
  let usage: ChatResponse["usage"];
  return {
    add(c: ChatChunk) {
      id ||= c.id;
      model ||= c.model;
      created ||= c.created;
      const choice = c.choices[0];
      if (typeof choice?.delta.content === "string") content += choice.delta.content;
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (c.usage) usage = c.usage;
    },
    response(): ChatResponse {
      return {
        id,
        object: "chat.completion",
        created,
        model,
        choices: [
          { index: 0, message: { role: "assistant", content }, finish_reason: finish ?? "stop", logprobs: null },
        ],
        ...(usage ? { usage } : {}),
      };
    },
  };
}

/**
 * Tries one target: breaker, credentials, quota reservation, then the call with retries and
 * backoff (Retry-After honoured) inside the caller's deadline. A success commits the actual
 * usage; a failure releases the reservation. Every call is reported to the usage ledger.
 */
export async function attemptTarget(cand: Candidate, ctx: AttemptContext, deps: AttemptDeps): Promise<AttemptResult> {
  const { provider, breaker, metrics } = deps;
  if (breaker.state === "open")
    return {
      ok: false,
      reason: "open",
      error: new HttpError(503, `circuit open for ${cand.providerName}/${cand.model}`),
      retries: 0,
    };

  let target: Target;
  let reservationId: string;
  try {
    target = await provider.resolve(cand.providerId, cand.model);
    const adapter = deps.adapter(target.kind);
    if (!adapter)
      return {
        ok: false,
        reason: "unavailable",
        error: new HttpError(501, `no adapter for kind '${target.kind}'`),
        retries: 0,
      };
    ({ reservationId } = await provider.reserve({
      userId: ctx.userId,
      projectId: ctx.projectId ?? "",
      providerId: cand.providerId,
      model: cand.model,
      estimatedInputTokens: ctx.estimatedInputTokens,
      maxOutputTokens: ctx.maxOutputTokens,
    }));
  } catch (err) {
    const e = err instanceof HttpError ? err : new HttpError(500, "provider lookup failed", { cause: err });
    if (e.status === 429) return { ok: false, reason: "quota", error: e, retries: 0 };
    if (e.status === 404 || e.status === 412) return { ok: false, reason: "unavailable", error: e, retries: 0 };
    // The provider service or the quota store is down: quotas fail closed for every target.
    throw new FatalError(e);
  }
  const adapter = deps.adapter(target.kind)!;
  const request = await deps.prepare(target);
  const report = (over: Partial<UsageReport>): UsageReport => ({
    requestId: ctx.requestId,
    userId: ctx.userId,
    projectId: ctx.projectId ?? "",
    providerId: target.providerId,
    providerName: target.providerName,
    model: target.model,
    requestedModel: ctx.requested,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    latencyMs: 0,
    cacheHit: false,
    outcome: "ok",
    error: "",
    ...over,
  });

  let last: UpstreamError | HttpError = new UpstreamError("timeout", "deadline reached before the call");
  let retries = 0;
  for (let attempt = 0; attempt <= ctx.retries; attempt++) {
    const left = ctx.deadline - Date.now();
    if (left <= 0) break;
    const started = Date.now();
    let streaming = false;
    try {
      const response = await breaker.fire(() =>
        callOnce(adapter, request, target, ctx, Math.min(ctx.attemptTimeoutMs, left), () => (streaming = true)),
      );
      const latencyMs = Date.now() - started;
      // Providers report usage; when one does not, count with the tokenizer rather than guess zero.
      const usage = (response.usage ??= estimateUsage(response, ctx.estimatedInputTokens));
      const costUsd = await provider
        .commit(
          reservationId,
          report({ inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens, latencyMs }),
        )
        .catch((err: Error) => {
          deps.logger.warn({ err: { message: err.message } }, "usage not committed");
          return 0;
        });
      metrics.calls.inc({ provider: target.providerName, model: target.model, outcome: "ok" });
      return { ok: true, target, response, costUsd, retries, latencyMs };
    } catch (err) {
      if (!(err instanceof UpstreamError)) {
        // The breaker refused (half-open trial in progress) or something unexpected.
        last = err instanceof HttpError ? err : new HttpError(500, "call failed", { cause: err });
        if (!(err instanceof HttpError)) deps.logger.error({ err }, "AI call failed unexpectedly");
        break;
      }
      last = err;
      metrics.calls.inc({ provider: target.providerName, model: target.model, outcome: err.outcome });
      void provider
        .record(report({ latencyMs: Date.now() - started, outcome: err.outcome, error: err.message, inputTokens: 0 }))
        .catch(() => undefined);
      deps.logger.info(
        { provider: target.providerName, model: target.model, attempt, kind: err.kind, status: err.status },
        "AI call failed",
      );
      if (streaming) {
        // Part of the answer is already with the caller: no retry, no fallback.
        await provider.release(reservationId).catch(() => undefined);
        throw err;
      }
      if (err.kind === "cancelled") break; // the caller went away: nothing more to try
      if (!err.retryable) {
        await provider.release(reservationId).catch(() => undefined);
        const status = err.status === 413 || err.status === 422 ? err.status : 400;
        throw new FatalError(
          new HttpError(status, `${target.providerName} rejected the request: ${err.message}`, {
            extensions: { provider: target.providerName, model: target.model },
          }),
        );
      }
      if (err.kind === "status" && (err.status === 401 || err.status === 403 || err.status === 404)) break; // misconfigured target
      if (attempt === ctx.retries) break;
      if (err.status === 429 && ctx.hasNext) break; // another target answers sooner than a rate-limited one
      const wait = Math.min(ctx.retryMaxMs, err.retryAfterMs ?? backoff(attempt, ctx.retryBaseMs, ctx.retryMaxMs));
      if (Date.now() + wait >= ctx.deadline) break; // waiting would pass the caller's deadline
      await sleep(wait, ctx.signal);
      if (ctx.signal.aborted) break;
      retries++;
    }
  }
  await provider.release(reservationId).catch(() => undefined);
  const reason =
    ctx.deadline - Date.now() <= 0 ? "deadline" : last instanceof HttpError && last.status === 503 ? "open" : "failed";
  return { ok: false, reason, error: last, retries };
}

/** One call: the attempt timeout covers a whole answer, or a stream until its first chunk. */
async function callOnce(
  adapter: Adapter,
  request: ChatRequest,
  target: Target,
  ctx: AttemptContext,
  timeoutMs: number,
  markStreaming: () => void,
): Promise<ChatResponse> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new UpstreamError("timeout", `no answer within ${timeoutMs} ms`)), timeoutMs);
  const deadlineTimer = setTimeout(
    () => ac.abort(new UpstreamError("timeout", "the caller's deadline passed")),
    Math.max(0, ctx.deadline - Date.now()),
  );
  const onAbort = () => ac.abort(new UpstreamError("cancelled", "the caller went away"));
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  try {
    if (!request.stream) return await adapter.complete(request, target, ac.signal);
    const all = collector();
    let first = true;
    for await (const chunk of adapter.stream(request, target, ac.signal)) {
      if (first) {
        clearTimeout(timer);
        markStreaming();
        ctx.onFirstChunk?.(target);
        first = false;
      }
      all.add(chunk);
      ctx.onChunk?.(chunk);
    }
    return all.response();
  } finally {
    clearTimeout(timer);
    clearTimeout(deadlineTimer);
    ctx.signal.removeEventListener("abort", onAbort);
  }
}
