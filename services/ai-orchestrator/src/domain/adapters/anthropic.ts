import {
  nowSeconds,
  textOf,
  type ChatChunk,
  type ChatRequest,
  type ChatResponse,
  type Target,
  type Usage,
} from "../types.js";
import type { Adapter } from "./adapter.js";
import { UpstreamError } from "./errors.js";
import { parseEventJson, post, readJson, sseEvents } from "./http.js";

/** Anthropic Messages API, mapped to and from the OpenAI chat shape. */
export const ANTHROPIC_DEFAULT_BASE_URL = "https://api.anthropic.com";
export const ANTHROPIC_VERSION = "2023-06-01";
const DEFAULT_MAX_TOKENS = 4096;

function endpoint(t: Target): string {
  const base = (t.baseUrl || ANTHROPIC_DEFAULT_BASE_URL).replace(/\/+$/, "");
  return base.endsWith("/v1") ? `${base}/messages` : `${base}/v1/messages`;
}

const headers = (t: Target): Record<string, string> => ({
  "anthropic-version": ANTHROPIC_VERSION,
  ...(t.apiKey ? { "x-api-key": t.apiKey } : {}),
});

interface AnthropicMessage {
  role: "user" | "assistant";
  content: string;
}

/** System/developer messages become `system`; the rest alternate user/assistant (merged when repeated). */
export function toAnthropic(req: ChatRequest, stream: boolean): Record<string, unknown> {
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  for (const m of req.messages) {
    const text = textOf(m.content);
    if (m.role === "system" || m.role === "developer") {
      system.push(text);
      continue;
    }
    const role = m.role === "assistant" ? "assistant" : "user";
    const last = messages[messages.length - 1];
    if (last && last.role === role) last.content += `\n\n${text}`;
    else messages.push({ role, content: text });
  }
  const stop =
    req.stop === undefined || req.stop === null ? undefined : Array.isArray(req.stop) ? req.stop : [req.stop];
  return {
    model: req.model,
    messages,
    ...(system.length ? { system: system.join("\n\n") } : {}),
    max_tokens: req.max_tokens ?? req.max_completion_tokens ?? DEFAULT_MAX_TOKENS,
    // OpenAI's temperature runs to 2, Anthropic's to 1.
    ...(typeof req.temperature === "number" ? { temperature: Math.min(1, req.temperature) } : {}),
    ...(typeof req.top_p === "number" ? { top_p: req.top_p } : {}),
    ...(stop ? { stop_sequences: stop } : {}),
    ...(req.user ? { metadata: { user_id: req.user } } : {}),
    ...(stream ? { stream: true } : {}),
  };
}

const FINISH: Record<string, string> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};
const finishOf = (reason: string | null | undefined) => (reason ? (FINISH[reason] ?? "stop") : null);

interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

function usageOf(u: AnthropicUsage | undefined, output?: number): Usage {
  const prompt = (u?.input_tokens ?? 0) + (u?.cache_creation_input_tokens ?? 0) + (u?.cache_read_input_tokens ?? 0);
  const completion = output ?? u?.output_tokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

interface AnthropicResponse {
  id: string;
  model: string;
  content: { type: string; text?: string }[];
  stop_reason: string | null;
  usage?: AnthropicUsage;
}

export function fromAnthropic(body: AnthropicResponse): ChatResponse {
  if (!body || !Array.isArray(body.content)) throw new UpstreamError("malformed", "provider answered without content");
  const text = body.content
    .filter((b) => b.type === "text")
    .map((b) => b.text ?? "")
    .join("");
  return {
    id: body.id,
    object: "chat.completion",
    created: nowSeconds(),
    model: body.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text },
        finish_reason: finishOf(body.stop_reason) ?? "stop",
        logprobs: null,
      },
    ],
    usage: usageOf(body.usage),
  };
}

interface StreamEvent {
  type: string;
  message?: AnthropicResponse;
  delta?: { type?: string; text?: string; stop_reason?: string | null };
  usage?: AnthropicUsage;
  error?: { type?: string; message?: string };
}

export const anthropicAdapter: Adapter = {
  async complete(req, target, signal) {
    const res = await post(endpoint(target), headers(target), toAnthropic(req, false), signal, target.apiKey);
    return fromAnthropic(await readJson<AnthropicResponse>(res, signal));
  },

  async *stream(req, target, signal): AsyncIterable<ChatChunk> {
    const res = await post(endpoint(target), headers(target), toAnthropic(req, true), signal, target.apiKey);
    let id = "";
    let model = req.model;
    let inputUsage: AnthropicUsage | undefined;
    let output = 0;
    let finish: string | null = null;
    const chunk = (delta: ChatChunk["choices"][number]["delta"], finish_reason: string | null = null): ChatChunk => ({
      id,
      object: "chat.completion.chunk",
      created: nowSeconds(),
      model,
      choices: [{ index: 0, delta, finish_reason }],
    });
    for await (const ev of sseEvents(res, signal)) {
      const data = parseEventJson<StreamEvent>(ev.data);
      switch (data.type) {
        case "message_start":
          id = data.message?.id ?? id;
          model = data.message?.model ?? model;
          inputUsage = data.message?.usage;
          yield chunk({ role: "assistant", content: "" });
          break;
        case "content_block_delta":
          if (data.delta?.type === "text_delta" && data.delta.text) yield chunk({ content: data.delta.text });
          break;
        case "message_delta":
          finish = finishOf(data.delta?.stop_reason) ?? finish;
          output = data.usage?.output_tokens ?? output;
          break;
        case "message_stop":
          yield chunk({}, finish ?? "stop");
          yield { ...chunk({}), choices: [], usage: usageOf(inputUsage, output) };
          return;
        case "error": {
          const overloaded = data.error?.type === "overloaded_error";
          throw new UpstreamError(
            overloaded ? "status" : "stream",
            `provider reported an error mid-stream: ${data.error?.message ?? data.error?.type ?? "unknown"}`,
            overloaded ? 529 : undefined,
          );
        }
        default:
          break; // ping, content_block_start/stop
      }
    }
    throw new UpstreamError("stream", "stream ended before message_stop");
  },
};
