import { ruleFilter } from "./catalog.js";
import { reviewGeneric } from "./generic.js";
import { reviewJavaScript } from "./js/index.js";
import { detectLanguage, isJsFamily } from "./language.js";
import { reviewPython } from "./python/rules.js";
import { FindingSink } from "./sink.js";
import { SEVERITY_RANK, type ReviewFinding, type ReviewInput } from "./types.js";

/** Upper bound per rule so a generated or minified file cannot flood a pull request. */
export const MAX_FINDINGS_PER_RULE = 50;
const LONG_FILE_LINES = 1000;
const TEST_PATH =
  /(?:^|\/)(?:__tests__|tests?|spec|fixtures?|__mocks__|testdata)\/|\.(?:test|spec)\.[cm]?[jt]sx?$|(?:^|\/)test_[^/]*\.py$|_test\.(?:py|go)$|(?:^|\/)conftest\.py$/;

/**
 * Reviews one file. Pure and deterministic: the same input always yields the
 * same findings in the same order (line, then severity, then rule id).
 */
export function reviewCode(input: ReviewInput): ReviewFinding[] {
  // Normalise line endings so every analyzer counts lines the same way.
  const code = input.code.replace(/\r\n?/g, "\n");
  const lines = code.split("\n");
  const kind = detectLanguage(input.path, input.language, code);
  let sink = new FindingSink(input.path, lines.length);
  try {
    if (isJsFamily(kind)) reviewJavaScript(input.path, code, kind, sink);
    else if (kind === "python") reviewPython(input.path, code, sink);
    else reviewGeneric(lines, sink);
  } catch {
    // Pathological input (e.g. thousands of nested brackets) can exhaust the
    // parser's stack. A review must still come back, so fall back to the
    // language-independent checks rather than failing the whole request.
    sink = new FindingSink(input.path, lines.length);
    reviewGeneric(lines, sink);
  }

  const codeLines = lines.filter((l) => l.trim() !== "").length;
  if (codeLines > LONG_FILE_LINES) {
    sink.add(
      "maintainability/long-file",
      1,
      `File has ${codeLines} non-blank lines (limit ${LONG_FILE_LINES}).`,
      "Split it into cohesive modules.",
    );
  }
  if (TEST_PATH.test(input.path)) downgradeTestSecrets(sink.findings);
  return finalize(sink.findings, ruleFilter(input.rules));
}

/** Fixtures routinely contain fake credentials; keep them visible but out of the blocking severities. */
function downgradeTestSecrets(findings: ReviewFinding[]): void {
  for (const f of findings) {
    if (f.rule !== "security/hardcoded-secret") continue;
    f.severity = "low";
    f.message += " (test file: make sure it is a dummy value)";
  }
}

export function compareFindings(a: ReviewFinding, b: ReviewFinding): number {
  return (
    a.line - b.line ||
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0) ||
    (a.endLine ?? 0) - (b.endLine ?? 0)
  );
}

function finalize(findings: ReviewFinding[], allowed: (id: string) => boolean): ReviewFinding[] {
  const sorted = findings.filter((f) => allowed(f.rule)).sort(compareFindings);
  const seen = new Set<string>();
  const perRule = new Map<string, number>();
  const out: ReviewFinding[] = [];
  for (const f of sorted) {
    const key = `${f.line}\u0000${f.rule}\u0000${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const n = perRule.get(f.rule) ?? 0;
    if (n >= MAX_FINDINGS_PER_RULE) continue;
    perRule.set(f.rule, n + 1);
    out.push(f);
  }
  return out;
}
