import type { ChatChunk, ChatRequest, ChatResponse, Target } from "../types.js";

/**
 * One provider kind. The request is already the one to send: `model` is the target's model and
 * the messages are redacted when they leave the mesh. Failures throw UpstreamError.
 */
export interface Adapter {
  complete(req: ChatRequest, target: Target, signal: AbortSignal): Promise<ChatResponse>;
  /** OpenAI-style chunks; the last carries `usage` when the provider reports it. */
  stream(req: ChatRequest, target: Target, signal: AbortSignal): AsyncIterable<ChatChunk>;
}
