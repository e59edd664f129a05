import { UpstreamError, parseRetryAfter } from "./errors.js";

/** How long an error body may be when read for its message. */
const ERROR_BODY_LIMIT = 4096;

/** The abort reason if the call was aborted on purpose (timeout, caller gone), else a connect error. */
function failure(err: unknown, signal: AbortSignal, what: string): UpstreamError {
  if (signal.aborted && signal.reason instanceof UpstreamError) return signal.reason;
  if (err instanceof UpstreamError) return err;
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return new UpstreamError("connect", `${what}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
}

/** Removes the provider key from upstream text (some APIs echo part of a wrong key). */
export function scrub(text: string, apiKey: string): string {
  let out = text;
  if (apiKey.length >= 8) out = out.split(apiKey).join("[redacted]");
  return out.replace(/\b(sk|sk-ant|key)-[A-Za-z0-9_-]{6,}/g, "[redacted]").slice(0, 300);
}

export async function post(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal,
  apiKey: string,
): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
      body: JSON.stringify(body),
      signal,
    });
  } catch (err) {
    throw failure(err, signal, "cannot reach the provider");
  }
  if (res.ok) return res;
  let detail = "";
  try {
    const text = (await res.text()).slice(0, ERROR_BODY_LIMIT);
    try {
      const json = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
      detail = typeof json.error === "string" ? json.error : (json.error?.message ?? json.message ?? text);
    } catch {
      detail = text;
    }
  } catch {
    // the body is not needed to classify the failure
  }
  throw new UpstreamError(
    "status",
    `provider answered ${res.status}${detail ? `: ${scrub(detail, apiKey)}` : ""}`,
    res.status,
    parseRetryAfter(res.headers),
  );
}

export async function readJson<T>(res: Response, signal: AbortSignal): Promise<T> {
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw failure(err, signal, "response cut off");
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UpstreamError("malformed", "provider answered with malformed JSON");
  }
}

export interface SseEvent {
  event: string;
  data: string;
}

/** Server-sent events of a response body, per the WHATWG parsing rules that matter here. */
export async function* sseEvents(res: Response, signal: AbortSignal): AsyncGenerator<SseEvent> {
  if (!res.body) throw new UpstreamError("malformed", "provider sent no stream body");
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  const reader = res.body.getReader();
  try {
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw failure(err, signal, "stream cut off");
      }
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let nl: number;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer.startsWith("\r\n", nl) ? 2 : 1));
        if (line === "") {
          if (data.length) yield { event: event || "message", data: data.join("\n") };
          event = "";
          data = [];
        } else if (line.startsWith(":")) {
          continue;
        } else {
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "data") data.push(value);
          else if (field === "event") event = value;
        }
      }
    }
    if (data.length) yield { event: event || "message", data: data.join("\n") };
  } finally {
    // Closes the connection when the consumer stops early; a no-op after the end.
    await reader.cancel().catch(() => undefined);
  }
}

export function parseEventJson<T>(data: string): T {
  try {
    return JSON.parse(data) as T;
  } catch {
    throw new UpstreamError("malformed", "provider sent a malformed stream event");
  }
}
