import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { reviewCode } from "./review.js";
import type { ReviewFinding, Severity } from "./types.js";

/** One rule expectation: `bad` must trigger `rule` at `line`, `good` must not trigger it at all. */
export interface RuleCase {
  rule: string;
  name?: string;
  path: string;
  bad: string[];
  line: number;
  good: string[];
  severity?: Severity;
}

export const src = (...lines: string[]): string => lines.join("\n");

export function describeFindings(findings: ReviewFinding[]): string {
  return findings.map((f) => `  ${f.line} ${f.rule} ${f.severity}: ${f.message}`).join("\n") || "  (none)";
}

export function assertRuleCase(c: RuleCase): void {
  const bad = reviewCode({ path: c.path, code: src(...c.bad) });
  const hit = bad.filter((f) => f.rule === c.rule);
  assert.ok(
    hit.some((f) => f.line === c.line),
    `expected ${c.rule} at line ${c.line} in bad snippet; got:\n${describeFindings(bad)}`,
  );
  const at = hit.find((f) => f.line === c.line) as ReviewFinding;
  assert.equal(at.category, c.rule.split("/")[0]);
  assert.ok(at.message.length > 10, "message should explain the problem");
  assert.ok(at.suggestion && at.suggestion.length > 10, "finding should carry an actionable suggestion");
  if (c.severity) assert.equal(at.severity, c.severity);
  const good = reviewCode({ path: c.path, code: src(...c.good) });
  const falsePositives = good.filter((f) => f.rule === c.rule);
  assert.equal(falsePositives.length, 0, `expected no ${c.rule} in good snippet; got:\n${describeFindings(good)}`);
}

/** Locates a file of an installed package by walking up from this module to the nearest node_modules. */
export function findInstalled(relative: string): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "node_modules", relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
