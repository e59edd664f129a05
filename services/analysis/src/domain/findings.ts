import { createHash } from "node:crypto";
import type { FindingDraft } from "./types.js";

/** What identifies a finding within an analysis: the same file reviewed twice gives the same prints. */
export function fingerprint(f: FindingDraft): string {
  const key = [f.path, f.line, f.endLine ?? "", f.column ?? "", f.rule, f.source, f.message].join("\u0000");
  return createHash("sha256").update(key).digest("hex").slice(0, 40);
}

const span = (f: FindingDraft) => [f.line, f.endLine ?? f.line] as const;

/**
 * AI findings that say what a static analyzer already said (same file, same concept, lines
 * within `tolerance`) are dropped: the static one is exact and reproducible.
 */
export function dedupeAgainstStatic(
  ai: FindingDraft[],
  statics: FindingDraft[],
  tolerance = 2,
): { kept: FindingDraft[]; dropped: number } {
  const kept = ai.filter((a) => {
    const [aStart, aEnd] = span(a);
    return !statics.some((s) => {
      const [sStart, sEnd] = span(s);
      return s.path === a.path && s.concept === a.concept && aStart <= sEnd + tolerance && sStart <= aEnd + tolerance;
    });
  });
  return { kept, dropped: ai.length - kept.length };
}

/** Diff analyses report only findings that touch an added line. */
export function touchesChangedLines(f: FindingDraft, changed: ReadonlySet<number>): boolean {
  const [start, end] = span(f);
  for (let line = start; line <= end; line++) if (changed.has(line)) return true;
  return false;
}

/** Keeps findings whose lines exist in the file (1..lineCount), clamping an overlong endLine. */
export function withinFile(findings: FindingDraft[], lines: number): { valid: FindingDraft[]; invalid: number } {
  const valid: FindingDraft[] = [];
  let invalid = 0;
  for (const f of findings) {
    if (!Number.isInteger(f.line) || f.line < 1 || f.line > lines) {
      invalid++;
      continue;
    }
    if (f.endLine === undefined) {
      valid.push(f);
      continue;
    }
    const { endLine, ...rest } = f;
    const end = Math.min(endLine, lines);
    valid.push(end > f.line ? { ...rest, endLine: end } : rest);
  }
  return { valid, invalid };
}
