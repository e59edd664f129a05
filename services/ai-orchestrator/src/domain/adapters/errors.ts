/**
 * What went wrong calling a model, classified for routing: retryable failures move on to a
 * retry or the next target; failures that are the target's fault also count against its breaker.
 */
export type UpstreamKind = "connect" | "timeout" | "status" | "malformed" | "stream" | "cancelled";

export class UpstreamError extends Error {
  override name = "UpstreamError";
  constructor(
    readonly kind: UpstreamKind,
    message: string,
    readonly status?: number,
    /** From Retry-After (or retry-after-ms), when the upstream sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** Worth another try (here or at another target). */
  get retryable(): boolean {
    if (this.kind === "cancelled") return false;
    if (this.kind !== "status") return true;
    const s = this.status ?? 0;
    // 401/403/404: this target is misconfigured (key, model); another target may still work.
    return s === 408 || s === 409 || s === 429 || s >= 500 || s === 401 || s === 403 || s === 404;
  }

  /** Counts against the target's breaker: the target is failing, not the request. */
  get targetFailure(): boolean {
    if (this.kind === "cancelled") return false;
    return this.kind !== "status" || (this.status ?? 0) >= 500 || this.status === 408;
  }

  get outcome(): "timeout" | "rate_limited" | "cancelled" | "error" {
    if (this.kind === "timeout") return "timeout";
    if (this.kind === "cancelled") return "cancelled";
    if (this.status === 429) return "rate_limited";
    return "error";
  }
}

/** Retry-After as seconds or an HTTP date; OpenAI also sends retry-after-ms. */
export function parseRetryAfter(headers: Headers): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get("retry-after");
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
