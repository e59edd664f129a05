import { createRequire } from "node:module";

/**
 * Token counting with the real OpenAI BPE vocabularies (via gpt-tokenizer).
 * Encoders are loaded on first use: each vocabulary takes ~100 ms and tens
 * of MB to build, which most importers of this module (e.g. code paths that
 * only need the types) should not pay. `require` keeps the API synchronous.
 */
export type EncodingName = "o200k_base" | "cl100k_base";

interface Encoder {
  encode(text: string, options?: { disallowedSpecial?: Set<string> }): number[];
  decode(tokens: Iterable<number>): string;
}

export interface TokenChatMessage {
  role: string;
  content: string | null;
  name?: string;
}

const require = createRequire(import.meta.url);
const encoders = new Map<EncodingName, Encoder>();

/**
 * Prompts contain arbitrary user code, which may include text such as
 * "<|endoftext|>". By default the tokenizer throws on special tokens; we
 * count them as ordinary text instead.
 */
const ENCODE_OPTIONS = { disallowedSpecial: new Set<string>() };

/** Newer OpenAI models use o200k; GPT-4/3.5 and embeddings-3 use cl100k. Unknown (local, other vendors) → o200k as an approximation. */
export function encodingForModel(model?: string): EncodingName {
  const m = (model ?? "").toLowerCase().replace(/^.*\//, "");
  if (/^(?:gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o\d|chatgpt-|codex|gpt-oss)/.test(m)) return "o200k_base";
  if (/^(?:gpt-4|gpt-3\.5|gpt-35|text-embedding-(?:ada|3)|davinci-002|babbage-002)/.test(m)) return "cl100k_base";
  return "o200k_base";
}

function encoder(name: EncodingName): Encoder {
  let enc = encoders.get(name);
  if (!enc) {
    enc = require(`gpt-tokenizer/cjs/encoding/${name}`) as Encoder;
    encoders.set(name, enc);
  }
  return enc;
}

export function encode(text: string, model?: string): number[] {
  return encoder(encodingForModel(model)).encode(text, ENCODE_OPTIONS);
}

export function countTokens(text: string, model?: string): number {
  return text.length === 0 ? 0 : encode(text, model).length;
}

/**
 * Chat overhead as documented in OpenAI's cookbook for current chat models:
 * every message costs 3 framing tokens (+1 if it has a name) and every reply
 * is primed with 3 tokens.
 */
export function countChatTokens(messages: readonly TokenChatMessage[], model?: string): number {
  let total = 3;
  for (const m of messages) {
    total += 3 + countTokens(m.role, model) + countTokens(m.content ?? "", model);
    if (m.name) total += 1 + countTokens(m.name, model);
  }
  return total;
}

/** Cuts `text` to at most `maxTokens` tokens on a token boundary. */
export function truncateToTokens(
  text: string,
  maxTokens: number,
  model?: string,
): { text: string; truncated: boolean } {
  const tokens = encode(text, model);
  if (tokens.length <= maxTokens) return { text, truncated: false };
  const limit = Math.max(0, Math.floor(maxTokens));
  // A cut inside a multi-byte character decodes to U+FFFD; drop the partial character.
  const cut = encoder(encodingForModel(model))
    .decode(tokens.slice(0, limit))
    .replace(/\uFFFD+$/, "");
  return { text: cut, truncated: true };
}
