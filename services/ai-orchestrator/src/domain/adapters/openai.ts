import type { ChatChunk, ChatRequest, ChatResponse, Target } from "../types.js";
import type { Adapter } from "./adapter.js";
import { UpstreamError } from "./errors.js";
import { parseEventJson, post, readJson, sseEvents } from "./http.js";

export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";

const endpoint = (t: Target) => `${(t.baseUrl || OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, "")}/chat/completions`;
const headers = (t: Target): Record<string, string> => (t.apiKey ? { authorization: `Bearer ${t.apiKey}` } : {});

function checkResponse(body: ChatResponse): ChatResponse {
  if (!body || typeof body !== "object" || !Array.isArray(body.choices) || body.choices.length === 0)
    throw new UpstreamError("malformed", "provider answered without choices");
  return body;
}

/** OpenAI chat completions (and every server that speaks the same API). */
export const openaiAdapter: Adapter = {
  async complete(req, target, signal) {
    // OpenAI rejects stream_options on a non-streaming call.
    const { stream_options: _options, ...rest } = req;
    const res = await post(endpoint(target), headers(target), { ...rest, stream: false }, signal, target.apiKey);
    return checkResponse(await readJson<ChatResponse>(res, signal));
  },

  async *stream(req: ChatRequest, target, signal): AsyncIterable<ChatChunk> {
    // Always ask for usage: the ledger needs it even when the caller did not.
    const body = { ...req, stream: true, stream_options: { include_usage: true } };
    const res = await post(endpoint(target), headers(target), body, signal, target.apiKey);
    let done = false;
    for await (const ev of sseEvents(res, signal)) {
      if (ev.data === "[DONE]") {
        done = true;
        break;
      }
      const chunk = parseEventJson<ChatChunk & { error?: { message?: string } }>(ev.data);
      if (chunk.error)
        throw new UpstreamError("stream", `provider reported an error mid-stream: ${chunk.error.message ?? "unknown"}`);
      if (!Array.isArray(chunk.choices)) throw new UpstreamError("malformed", "stream chunk without choices");
      yield chunk;
    }
    if (!done) throw new UpstreamError("stream", "stream ended before [DONE]");
  },
};
