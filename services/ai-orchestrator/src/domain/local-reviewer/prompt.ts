import { diffToSource, looksLikeDiff } from "./diff.js";
import type { ChatMessage, ReviewInput } from "./types.js";

/**
 * Finds the code under review in a chat prompt, so the local provider can
 * answer the same prompts the analysis service sends to real models.
 */
interface Fence {
  info: string;
  code: string;
  start: number;
}

const OPEN = /^([ \t]*)(`{3,}|~{3,})[ \t]*([^`\n]*)$/;

function findFences(text: string): Fence[] {
  const fences: Fence[] = [];
  const lines = text.split("\n");
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const m = OPEN.exec(lines[i] as string);
    const lineStart = offset;
    offset += (lines[i] as string).length + 1;
    if (!m) continue;
    const indent = (m[1] as string).length;
    const marker = m[2] as string;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j] as string;
      const t = l.trim();
      if (t.length >= marker.length && t === (marker[0] as string).repeat(t.length)) break;
      body.push(indent > 0 ? l.replace(new RegExp(`^[ \\t]{0,${indent}}`), "") : l);
    }
    // An unclosed fence (truncated prompt) still yields the code up to the end.
    fences.push({ info: (m[3] as string).trim(), code: body.join("\n"), start: lineStart });
    for (let k = i + 1; k <= j && k < lines.length; k++) offset += (lines[k] as string).length + 1;
    i = j;
  }
  return fences;
}

const PATH_LINE =
  /^[ \t>*_#-]*(?:file[ \t]*path|file[ \t]*name|filename|file|path)[ \t*_]*[:=][ \t*_`'"]*([^\s`'"*]+)/gim;
const LANGUAGE_LINE = /^[ \t>*_#-]*language[ \t*_]*[:=][ \t*_`'"]*([\w+#.-]+)/im;

function cleanPath(p: string): string | undefined {
  const path = p.replace(/[.,:;)\]]+$/, "");
  return /[./\\]/.test(path) && !/^https?:/.test(path) ? path : undefined;
}

/** `ts`, `ts src/a.ts`, `typescript:src/a.ts`, `src/a.ts`, `tsx title="src/a.tsx"`. */
function parseInfo(info: string): { language?: string; path?: string } {
  const out: { language?: string; path?: string } = {};
  const tokens = info.replace(/[{}]/g, " ").split(/\s+/).filter(Boolean);
  tokens.forEach((token, idx) => {
    const attr = /^(?:title|file|filename|path)=["']?([^"']+)["']?$/i.exec(token);
    if (attr) {
      out.path ??= cleanPath(attr[1] as string);
      return;
    }
    const colon = /^([A-Za-z][\w+#-]*):(.+)$/.exec(token);
    if (colon && idx === 0) {
      out.language = (colon[1] as string).toLowerCase();
      out.path ??= cleanPath(colon[2] as string);
      return;
    }
    if (/[/\\]|\.[A-Za-z0-9]{1,6}$/.test(token)) out.path ??= cleanPath(token);
    else if (idx === 0) out.language = token.toLowerCase();
  });
  return out;
}

function lastPathBefore(text: string, before: number): string | undefined {
  let found: string | undefined;
  for (const m of text.matchAll(PATH_LINE)) {
    if ((m.index ?? 0) > before) break;
    found = cleanPath(m[1] as string) ?? found;
  }
  return found;
}

function anyPath(messages: readonly ChatMessage[]): string | undefined {
  for (const msg of messages) {
    if (typeof msg.content !== "string") continue;
    for (const m of msg.content.matchAll(PATH_LINE)) {
      const p = cleanPath(m[1] as string);
      if (p) return p;
    }
  }
  return undefined;
}

/** Users' messages first (newest first), then system/tool, and assistant turns last. */
function searchOrder(messages: readonly ChatMessage[]): ChatMessage[] {
  const rank = (r: string): number => (r === "user" ? 0 : r === "assistant" ? 2 : 1);
  return messages
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => typeof m.content === "string" && m.content.length > 0)
    .sort((a, b) => rank(a.m.role) - rank(b.m.role) || b.i - a.i)
    .map(({ m }) => m);
}

const OUTPUT_FORMATS = new Set(["json", "jsonc", "json5", "output", "response"]);

export function extractCodeFromPrompt(messages: readonly ChatMessage[]): ReviewInput | null {
  for (const msg of searchOrder(messages)) {
    const text = msg.content.replace(/\r\n?/g, "\n");
    const fences = findFences(text).filter((f) => f.code.trim() !== "");
    if (fences.length > 0) {
      // Prompts often include a JSON example of the expected answer; prefer real code.
      const pool = fences.some((f) => !OUTPUT_FORMATS.has(parseInfo(f.info).language ?? ""))
        ? fences.filter((f) => !OUTPUT_FORMATS.has(parseInfo(f.info).language ?? ""))
        : fences;
      const fence = pool.reduce((best, f) => (f.code.length > best.code.length ? f : best));
      const info = parseInfo(fence.info);
      const isDiff = info.language === "diff" || info.language === "patch" || looksLikeDiff(fence.code);
      const diff = isDiff ? diffToSource(fence.code) : null;
      const path = info.path ?? lastPathBefore(text, fence.start) ?? diff?.path ?? anyPath(messages) ?? "";
      const language = (isDiff ? undefined : info.language) ?? LANGUAGE_LINE.exec(text)?.[1]?.toLowerCase();
      const input: ReviewInput = { path, code: diff ? diff.code : fence.code };
      if (language) input.language = language;
      return input;
    }
    if (looksLikeDiff(text)) {
      const diff = diffToSource(text.slice(text.search(/^(?:diff --git |--- |@@ )/m)));
      if (diff) {
        const input: ReviewInput = { path: diff.path ?? anyPath(messages) ?? "", code: diff.code };
        const language = LANGUAGE_LINE.exec(text)?.[1]?.toLowerCase();
        if (language) input.language = language;
        return input;
      }
    }
  }
  return null;
}
