import type { FindingDraft, SourceFile } from "../types.js";
import { RULES_BY_ID } from "./catalog.js";

/**
 * Language-independent checks and size/complexity metrics: they run on every file, and the
 * metric rules stand in for ESLint's complexity rules in languages ESLint does not read.
 */
export interface FileMetrics {
  lines: number;
  codeLines: number;
  commentLines: number;
  blankLines: number;
  maxLineLength: number;
  maxIndentDepth: number;
  decisionPoints: number;
}

const LONG_LINE = 200;
const LONG_FILE = 1000;
const DEEP_INDENT = 6;
const MANY_DECISIONS = 50;

const COMMENT = /^\s*(?:\/\/|#|--|\/\*|\*|<!--|;)/;
const TODO = /\b(TODO|FIXME|HACK|XXX)\b[:\s]?(.*)$/;
const CONFLICT = /^(?:<{7}(?: |$)|={7}$|>{7}(?: |$))/;
const DECISION = /\b(?:if|elif|else if|for|foreach|while|case|catch|except|when|unless)\b|&&|\|\||\?\s*[^:?.]/g;
const PRIVATE_IP = /\b(?:10\.\d{1,3}|192\.168|172\.(?:1[6-9]|2\d|3[01]))\.\d{1,3}\.\d{1,3}\b/;

function finding(file: SourceFile, id: string, line: number, message: string, suggestion?: string): FindingDraft {
  const rule = RULES_BY_ID.get(id)!;
  return {
    path: file.path,
    line,
    severity: rule.severity,
    rule: id,
    category: rule.category,
    message,
    source: "static",
    ...(suggestion ? { suggestion } : {}),
    analyzer: rule.analyzer === "metrics" ? "crm-metrics" : "crm-text",
    analyzerVersion: "1",
    concept: rule.concept,
  };
}

/** Indentation unit of a file (2, 4 or a tab), guessed from its indented lines. */
function indentUnit(lines: string[]): number {
  const widths = lines.map((l) => /^( +)\S/.exec(l)?.[1]?.length ?? 0).filter((w) => w > 0);
  if (widths.length === 0) return 4;
  return widths.filter((w) => w % 4 !== 0).length > widths.length / 4 ? 2 : 4;
}

export function runTextChecks(
  file: SourceFile,
  enabled: ReadonlySet<string>,
  jsLike: boolean,
): { findings: FindingDraft[]; metrics: FileMetrics } {
  const lines = file.content.split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const unit = indentUnit(lines);
  const findings: FindingDraft[] = [];
  const metrics: FileMetrics = {
    lines: lines.length,
    codeLines: 0,
    commentLines: 0,
    blankLines: 0,
    maxLineLength: 0,
    maxIndentDepth: 0,
    decisionPoints: 0,
  };
  let deepestLine = 0;
  lines.forEach((text, i) => {
    const n = i + 1;
    metrics.maxLineLength = Math.max(metrics.maxLineLength, text.length);
    if (text.trim() === "") metrics.blankLines++;
    else if (COMMENT.test(text)) metrics.commentLines++;
    else {
      metrics.codeLines++;
      metrics.decisionPoints += text.match(DECISION)?.length ?? 0;
      const indent = /^(\s*)/.exec(text)![1]!.replace(/\t/g, " ".repeat(unit)).length;
      const depth = Math.floor(indent / unit);
      if (depth > metrics.maxIndentDepth) [metrics.maxIndentDepth, deepestLine] = [depth, n];
    }
    if (enabled.has("text/merge-conflict") && CONFLICT.test(text))
      findings.push(finding(file, "text/merge-conflict", n, "Unresolved merge conflict marker"));
    if (enabled.has("text/long-line") && text.length > LONG_LINE)
      findings.push(finding(file, "text/long-line", n, `Line is ${text.length} characters long (over ${LONG_LINE})`));
    const todo = enabled.has("text/todo") ? TODO.exec(text) : null;
    if (todo) findings.push(finding(file, "text/todo", n, `${todo[1]} marker: ${todo[2]!.trim().slice(0, 120)}`));
    if (enabled.has("text/private-ip") && PRIVATE_IP.test(text))
      findings.push(finding(file, "text/private-ip", n, "Hard-coded private network address"));
  });
  // In JS/TS, ESLint measures functions precisely; these file-level metrics are for the rest.
  if (!jsLike && !file.partial) {
    if (enabled.has("metrics/long-file") && metrics.codeLines > LONG_FILE)
      findings.push(finding(file, "metrics/long-file", 1, `File has ${metrics.codeLines} lines of code`));
    if (enabled.has("metrics/deep-nesting") && metrics.maxIndentDepth > DEEP_INDENT)
      findings.push(
        finding(file, "metrics/deep-nesting", deepestLine, `Code nested ${metrics.maxIndentDepth} levels deep`),
      );
    if (enabled.has("metrics/complexity") && metrics.decisionPoints > MANY_DECISIONS)
      findings.push(
        finding(file, "metrics/complexity", 1, `File has ${metrics.decisionPoints} decision points`, "Split it up."),
      );
  }
  return { findings, metrics };
}
