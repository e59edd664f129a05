import { lintSource } from "@secretlint/core";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import type { ChatMessage, TextPart } from "./types.js";

/**
 * Secret redaction for prompts that leave the mesh. Two layers:
 * - secretlint's recommended preset (maintained detectors for AWS, GCP, GitHub, GitLab, Slack,
 *   npm, OpenAI, Anthropic, SendGrid, private keys, basic auth, database connection strings…),
 *   which validates shapes strictly (checksums, lengths, known prefixes);
 * - a small set of gitleaks-style patterns for what a code review prompt often holds and
 *   strict detectors skip: key-looking values of `password = "…"` style assignments,
 *   passwords in any `scheme://user:password@host` URL, bearer tokens, JWTs, PEM private key
 *   blocks and common vendor key shapes.
 * A match is replaced by `[REDACTED:<kind>]`, keeping its line breaks so line numbers in the
 * model's findings still point at the right lines.
 */
interface Pattern {
  kind: string;
  re: RegExp;
  /** Index of the capture group to redact (default: the whole match). */
  group?: number;
}

const PATTERNS: Pattern[] = [
  {
    kind: "private-key",
    re: /-----BEGIN[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|$)/g,
  },
  { kind: "anthropic-key", re: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: "openai-key", re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { kind: "aws-access-key", re: /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[0-9A-Z]{16}\b/g },
  {
    kind: "aws-secret-key",
    re: /aws.{0,20}?(?:secret|private)?.{0,20}?['"=:]\s*['"]?([0-9a-zA-Z/+]{40})\b/gi,
    group: 1,
  },
  { kind: "github-token", re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { kind: "gitlab-token", re: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  { kind: "slack-token", re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: "stripe-key", re: /\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/g },
  { kind: "google-api-key", re: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: "jwt", re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { kind: "bearer-token", re: /\b[Bb]earer\s+([A-Za-z0-9._~+/-]{20,}=*)/g, group: 1 },
  { kind: "connection-string-password", re: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"`]+:([^\s@/'"`]{1,256})@/gi, group: 1 },
  {
    kind: "password",
    re: /\b[\w.-]*(?:password|passwd|pwd|passphrase|secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|client[_-]?secret|private[_-]?key)\b["']?\s*(?::=|=>|[:=])\s*(["'`])([^"'`\s]{6,})\1/gi,
    group: 2,
  },
];

interface Hit {
  start: number;
  end: number;
  kind: string;
}

const SECRETLINT_CONFIG = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended }] };

async function secretlintHits(text: string): Promise<Hit[]> {
  const result = await lintSource({
    source: { content: text, filePath: "/prompt.txt", contentType: "text" },
    options: { config: SECRETLINT_CONFIG, noPhysicFilePath: true },
  });
  return result.messages.map((m) => {
    const start = m.range[0];
    let end = m.range[1];
    // Some detectors include the closing quote/semicolon; keep code around the secret intact.
    while (end > start && /["'`;,)\s]/.test(text[end - 1]!)) end--;
    return { start, end, kind: m.ruleId.replace(/^@secretlint\/secretlint-rule-/, "") };
  });
}

function patternHits(text: string): Hit[] {
  const hits: Hit[] = [];
  for (const { kind, re, group } of PATTERNS) {
    for (const m of text.matchAll(re)) {
      const value = group === undefined ? m[0] : m[group];
      if (!value) continue;
      const offset = group === undefined ? 0 : m[0].lastIndexOf(value);
      const start = (m.index ?? 0) + offset;
      hits.push({ start, end: start + value.length, kind });
    }
  }
  return hits;
}

/** Redacts one text; returns it unchanged (same object) when nothing was found. */
export async function redactText(text: string): Promise<{ text: string; kinds: string[] }> {
  if (text.length < 8) return { text, kinds: [] };
  const hits = [...(await secretlintHits(text)), ...patternHits(text)].sort(
    (a, b) => a.start - b.start || b.end - a.end,
  );
  if (hits.length === 0) return { text, kinds: [] };
  const merged: Hit[] = [];
  for (const h of hits) {
    const last = merged[merged.length - 1];
    if (last && h.start < last.end) last.end = Math.max(last.end, h.end);
    else merged.push({ ...h });
  }
  let out = "";
  let at = 0;
  for (const h of merged) {
    const newlines = text.slice(h.start, h.end).split("\n").length - 1;
    out += `${text.slice(at, h.start)}[REDACTED:${h.kind}]${"\n".repeat(newlines)}`;
    at = h.end;
  }
  return { text: out + text.slice(at), kinds: merged.map((h) => h.kind) };
}

/** Redacts every message's text; `count` is the number of secrets removed. */
export async function redactMessages(
  messages: ChatMessage[],
): Promise<{ messages: ChatMessage[]; count: number; kinds: string[] }> {
  const kinds: string[] = [];
  const out: ChatMessage[] = [];
  for (const m of messages) {
    if (typeof m.content === "string") {
      const r = await redactText(m.content);
      kinds.push(...r.kinds);
      out.push(r.kinds.length ? { ...m, content: r.text } : m);
    } else if (Array.isArray(m.content)) {
      const parts = [];
      for (const p of m.content) {
        if ((p as TextPart).type === "text" && typeof (p as TextPart).text === "string") {
          const r = await redactText((p as TextPart).text);
          kinds.push(...r.kinds);
          parts.push(r.kinds.length ? { ...p, text: r.text } : p);
        } else parts.push(p);
      }
      out.push({ ...m, content: parts });
    } else out.push(m);
  }
  return { messages: out, count: kinds.length, kinds: [...new Set(kinds)] };
}
