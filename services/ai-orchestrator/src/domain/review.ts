import type { Caller, CompletionEngine } from "./engine.js";
import { RULES_INSTRUCTION } from "./local-reviewer/chat.js";
import type { ChatMessage } from "./types.js";

/** A review configuration as the analysis service sends it (from an experiment version). */
export interface ReviewConfig {
  model?: string;
  promptTemplate?: string;
  temperature?: number;
  maxTokens?: number;
  rules?: string[];
}

export interface Finding {
  path: string;
  line: number;
  endLine?: number;
  severity: "info" | "low" | "medium" | "high" | "critical";
  rule: string;
  category: string;
  message: string;
  suggestion?: string;
}

export const DEFAULT_TEMPLATE = [
  "Review this {{language}} file for bugs, security vulnerabilities, performance and maintainability problems.",
  "Path: {{path}}",
  "```{{language}}",
  "{{code}}",
  "```",
].join("\n");

const SYSTEM = [
  "You are a meticulous senior code reviewer.",
  'Answer with JSON only: {"findings":[{"line":1,"endLine":1,"severity":"info|low|medium|high|critical",',
  '"rule":"<category>/<short-rule-id>","category":"security|correctness|maintainability|performance|style",',
  '"message":"what is wrong and why","suggestion":"how to fix it"}]}. Line numbers are 1-based lines of the file.',
  'Report real problems only; an empty list is a valid answer: {"findings":[]}.',
].join(" ");

/**
 * Fills {{code}}, {{path}}, {{language}} (unknown placeholders are left as they are). Code that
 * the template does not already put inside a ``` fence gets one, so every model (and the local
 * reviewer, which reads fenced code) can tell the code from the instructions around it.
 */
export function renderTemplate(template: string, values: { code: string; path: string; language: string }): string {
  return template.replace(
    /\{\{\s*(code|path|language)\s*\}\}/g,
    (_m, name: "code" | "path" | "language", offset: number, whole: string) => {
      if (name !== "code") return values[name];
      const fencesBefore = whole.slice(0, offset).match(/^\s*```/gm)?.length ?? 0;
      if (fencesBefore % 2 === 1) return values.code;
      return `\`\`\`${values.language} ${values.path}\n${values.code}\n\`\`\``;
    },
  );
}

const SEVERITIES = new Set(["info", "low", "medium", "high", "critical"]);
const SEVERITY_ALIASES: Record<string, Finding["severity"]> = {
  error: "high",
  warning: "medium",
  warn: "medium",
  note: "info",
  minor: "low",
  major: "high",
  blocker: "critical",
};

function severityOf(v: unknown): Finding["severity"] {
  const s = String(v ?? "").toLowerCase();
  return SEVERITIES.has(s) ? (s as Finding["severity"]) : (SEVERITY_ALIASES[s] ?? "medium");
}

const positive = (v: unknown): number | undefined => {
  const n = Math.floor(Number(v));
  return Number.isFinite(n) && n >= 1 ? n : undefined;
};

/** The model's JSON answer, tolerating code fences and prose around it. */
export function parseFindings(content: string, path: string, lineCount: number): Finding[] | undefined {
  const candidates = [content.trim()];
  const fence = /```(?:json)?\s*\n([\s\S]*?)```/i.exec(content);
  if (fence?.[1]) candidates.push(fence[1].trim());
  const first = content.indexOf("{");
  const last = content.lastIndexOf("}");
  if (first >= 0 && last > first) candidates.push(content.slice(first, last + 1));
  for (const text of candidates) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      continue;
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { findings?: unknown })?.findings;
    if (!Array.isArray(list)) continue;
    return list
      .filter((f): f is Record<string, unknown> => !!f && typeof f === "object")
      .map((f) => {
        const line = Math.min(positive(f.line) ?? 1, Math.max(1, lineCount));
        const endLine = positive(f.endLine ?? f.end_line);
        const rule = String(f.rule ?? f.ruleId ?? "ai/finding").slice(0, 200);
        const finding: Finding = {
          path: typeof f.path === "string" && f.path ? f.path : path,
          line,
          severity: severityOf(f.severity),
          rule,
          category: String(f.category ?? (rule.includes("/") ? rule.split("/")[0] : "maintainability")).slice(0, 100),
          message: String(f.message ?? f.description ?? "").slice(0, 4000),
        };
        if (endLine && endLine >= line) finding.endLine = endLine;
        if (typeof f.suggestion === "string" && f.suggestion) finding.suggestion = f.suggestion.slice(0, 4000);
        return finding;
      })
      .filter((f) => f.message);
  }
  return undefined;
}

/** Reviews one file through the same routing, quotas and cache as every other completion. */
export async function reviewCode(
  engine: CompletionEngine,
  input: { path: string; code: string; language: string; config: ReviewConfig; defaultModel: string },
  caller: Caller,
  signal: AbortSignal,
) {
  const language = input.language || input.path.split(".").pop() || "text";
  const prompt = renderTemplate(input.config.promptTemplate || DEFAULT_TEMPLATE, {
    code: input.code,
    path: input.path,
    language,
  });
  // A template without {{code}} would review nothing: append the file.
  const user = /\{\{\s*code\s*\}\}/.test(input.config.promptTemplate || DEFAULT_TEMPLATE)
    ? prompt
    : `${prompt}\n\nPath: ${input.path}\n\`\`\`${language}\n${input.code}\n\`\`\``;
  const rules = input.config.rules?.length ? `\n${RULES_INSTRUCTION} ${input.config.rules.join(", ")}.` : "";
  const messages: ChatMessage[] = [
    { role: "system", content: SYSTEM + rules },
    { role: "user", content: user },
  ];
  const completion = await engine.complete(
    {
      model: input.config.model || input.defaultModel,
      messages,
      temperature: input.config.temperature ?? 0,
      ...(input.config.maxTokens ? { max_tokens: input.config.maxTokens } : {}),
      response_format: { type: "json_object" },
    },
    caller,
    signal,
  );
  const content = completion.response.choices[0]?.message.content ?? "";
  const findings = parseFindings(content, input.path, input.code.split("\n").length);
  const usage = completion.response.usage;
  return {
    findings: findings ?? [],
    unparsed: findings === undefined,
    raw: findings === undefined ? content.slice(0, 10_000) : "",
    usage: {
      inputTokens: usage?.prompt_tokens ?? 0,
      outputTokens: usage?.completion_tokens ?? 0,
      costUsd: completion.costUsd,
    },
    provider: completion.meta.provider,
    model: completion.meta.model,
    cacheHit: completion.meta.cache === "hit",
  };
}
