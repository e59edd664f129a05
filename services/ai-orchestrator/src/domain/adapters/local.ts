import { randomUUID } from "node:crypto";
import { localChatCompletion } from "../local-reviewer/index.js";
import { countChatTokens, countTokens } from "../tokens.js";
import { nowSeconds, textOf, type ChatChunk, type ChatRequest, type ChatResponse } from "../types.js";
import type { Adapter } from "./adapter.js";
import { UpstreamError } from "./errors.js";

/** Characters per streamed chunk of a local answer. */
const CHUNK = 48;

function run(req: ChatRequest, signal: AbortSignal): ChatResponse {
  if (signal.aborted)
    throw signal.reason instanceof UpstreamError ? signal.reason : new UpstreamError("cancelled", "cancelled");
  const messages = req.messages.map((m) => ({ role: m.role, content: textOf(m.content) }));
  const maxTokens = req.max_tokens ?? req.max_completion_tokens ?? undefined;
  const result = localChatCompletion({
    model: req.model,
    messages,
    ...(typeof req.temperature === "number" ? { temperature: req.temperature } : {}),
    ...(typeof maxTokens === "number" ? { max_tokens: maxTokens } : {}),
    ...(req.response_format ? { response_format: req.response_format } : {}),
  });
  // The local provider has no billing `usage`: count with the same tokenizer OpenAI models use.
  const prompt = countChatTokens(messages, req.model);
  const completion = countTokens(result.content, req.model);
  return {
    id: `chatcmpl-local-${randomUUID()}`,
    object: "chat.completion",
    created: nowSeconds(),
    model: req.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: result.content },
        finish_reason: result.finishReason,
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

/** Splits a complete answer into OpenAI-style chunks (also used to replay cached answers). */
export function* toChunks(res: ChatResponse): Generator<ChatChunk> {
  const base = { id: res.id, object: "chat.completion.chunk" as const, created: res.created, model: res.model };
  const choice = res.choices[0];
  const content = choice?.message.content ?? "";
  yield { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] };
  for (let i = 0; i < content.length; i += CHUNK)
    yield { ...base, choices: [{ index: 0, delta: { content: content.slice(i, i + CHUNK) }, finish_reason: null }] };
  yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: choice?.finish_reason ?? "stop" }] };
  if (res.usage) yield { ...base, choices: [], usage: res.usage };
}

/** The built-in offline reviewer as a provider. */
export const localAdapter: Adapter = {
  async complete(req, _target, signal) {
    return run(req, signal);
  },
  async *stream(req, _target, signal) {
    yield* toChunks(run(req, signal));
  },
};
