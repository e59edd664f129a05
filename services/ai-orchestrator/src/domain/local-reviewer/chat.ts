import { countTokens, truncateToTokens } from "../tokens.js";
import { RULES } from "./catalog.js";
import { extractCodeFromPrompt } from "./prompt.js";
import { compareFindings, reviewCode } from "./review.js";
import { SEVERITY_RANK, type ChatMessage, type ReviewFinding } from "./types.js";

export interface LocalChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  max_tokens?: number;
  response_format?: { type: string };
}

export interface LocalChatResult {
  content: string;
  finishReason: "stop" | "length";
}

/**
 * The `local` provider's chat completion. Review prompts (anything carrying
 * code) are answered with `{"findings":[...]}` from the static analyzer;
 * everything else gets a short, fixed description of what the provider can
 * do. Temperature is ignored: output is deterministic by design.
 */
export function localChatCompletion(req: LocalChatRequest): LocalChatResult {
  const limit = typeof req.max_tokens === "number" && req.max_tokens > 0 ? Math.floor(req.max_tokens) : undefined;
  const input = extractCodeFromPrompt(req.messages);
  const rules = requestedRules(req.messages);
  if (input) return reviewAnswer(reviewCode(rules ? { ...input, rules } : input), input.path !== "", req.model, limit);
  const wantsJson = /^json/i.test(req.response_format?.type ?? "");
  const content = wantsJson ? JSON.stringify({ findings: [], message: NO_CODE }) : helpText(req.messages);
  return fitText(content, req.model, limit);
}

/**
 * How a review prompt narrows the rules (the orchestrator's ReviewCode writes it into the system
 * message for every model); the local reviewer reads it back and applies it as an allow-list.
 */
export const RULES_INSTRUCTION = "Only report these rules or categories:";

function requestedRules(messages: readonly ChatMessage[]): string[] | undefined {
  for (const m of messages) {
    if (m.role !== "system" || typeof m.content !== "string") continue;
    const at = m.content.indexOf(RULES_INSTRUCTION);
    if (at < 0) continue;
    const line = m.content.slice(at + RULES_INSTRUCTION.length).split("\n")[0] ?? "";
    const rules = line
      .replace(/\.\s*$/, "")
      .split(",")
      .map((r) => r.trim())
      .filter(Boolean);
    if (rules.length) return rules;
  }
  return undefined;
}

const NO_CODE =
  "No code found in the request. Put the code to review in a fenced block (```lang ... ```), optionally preceded by a line 'Path: src/file.ts'.";

function helpText(messages: readonly ChatMessage[]): string {
  const categories = [...new Set(RULES.map((r) => r.id.slice(0, r.id.indexOf("/"))))].join(", ");
  const lastUser = [...messages].reverse().find((m) => m.role === "user" && typeof m.content === "string");
  const request = lastUser?.content.trim().split("\n")[0]?.slice(0, 120);
  return [
    `This is the built-in local reviewer: offline and deterministic, with ${RULES.length} rules covering ${categories}.`,
    "JavaScript/TypeScript is parsed into a syntax tree, Python is analysed by blocks and statements, and other languages get generic checks (secrets, TODOs, nesting, long lines).",
    NO_CODE,
    'Review answers are JSON: {"findings":[{"line","severity","rule","category","message","suggestion"}]}.',
    ...(request ? [`Your request: "${request}"`] : []),
  ].join("\n");
}

function serialize(findings: readonly ReviewFinding[], withPath: boolean): string {
  const items = findings.map((f) => {
    if (withPath) return f;
    const { path: _path, ...rest } = f;
    return rest;
  });
  return JSON.stringify({ findings: items });
}

/**
 * Honouring max_tokens by cutting the JSON mid-way would hand the caller an
 * unparseable document. Instead we keep the most severe findings that fit,
 * still report finishReason "length" so callers know the answer is partial,
 * and only fall back to a hard cut when even an empty list does not fit.
 */
function reviewAnswer(
  findings: ReviewFinding[],
  withPath: boolean,
  model: string,
  limit: number | undefined,
): LocalChatResult {
  const full = serialize(findings, withPath);
  if (limit === undefined || countTokens(full, model) <= limit) return { content: full, finishReason: "stop" };
  const byPriority = [...findings].sort(
    (a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || compareFindings(a, b),
  );
  const render = (k: number): string => serialize(byPriority.slice(0, k).sort(compareFindings), withPath);
  if (countTokens(render(0), model) > limit) return fitText(full, model, limit);
  let lo = 0;
  let hi = findings.length - 1; // `full` did not fit, so the answer is below findings.length
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (countTokens(render(mid), model) <= limit) lo = mid;
    else hi = mid - 1;
  }
  return { content: render(lo), finishReason: "length" };
}

function fitText(content: string, model: string, limit: number | undefined): LocalChatResult {
  if (limit === undefined) return { content, finishReason: "stop" };
  const cut = truncateToTokens(content, limit, model);
  return { content: cut.text, finishReason: cut.truncated ? "length" : "stop" };
}
