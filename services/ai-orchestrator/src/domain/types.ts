/** The OpenAI chat-completions shapes the orchestrator speaks on both sides. */

export interface TextPart {
  type: "text";
  text: string;
}

export interface ChatMessage {
  role: string;
  content: string | (TextPart | Record<string, unknown>)[] | null;
  name?: string;
  [extra: string]: unknown;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  temperature?: number | null;
  top_p?: number | null;
  seed?: number | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  response_format?: { type: string; [k: string]: unknown } | null;
  user?: string;
  [extra: string]: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatChoice {
  index: number;
  message: { role: "assistant"; content: string | null; [extra: string]: unknown };
  finish_reason: string | null;
  logprobs: null;
}

export interface ChatResponse {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: ChatChoice[];
  usage?: Usage;
  [extra: string]: unknown;
}

export interface ChunkChoice {
  index: number;
  delta: { role?: "assistant"; content?: string | null; [extra: string]: unknown };
  finish_reason: string | null;
  logprobs?: null;
}

export interface ChatChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: ChunkChoice[];
  usage?: Usage | null;
  [extra: string]: unknown;
}

/** A provider/model a request can go to, with what the provider service resolved for it. */
export interface Target {
  providerId: string;
  providerName: string;
  kind: string;
  baseUrl: string;
  apiKey: string;
  model: string;
  inputCostPer1k: number;
  outputCostPer1k: number;
  contextWindow: number;
}

/** The plain text of a message (text parts joined). */
export function textOf(content: ChatMessage["content"]): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((p): p is TextPart => (p as TextPart).type === "text" && typeof (p as TextPart).text === "string")
    .map((p) => p.text)
    .join("\n");
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
