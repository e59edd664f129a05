import { categoryOf, ruleInfo } from "./catalog.js";
import type { ReviewFinding, Severity } from "./types.js";

export interface FindingOptions {
  severity?: Severity;
  endLine?: number;
}

/**
 * Collects findings for one file. Analyzers only supply rule id, location and
 * text; severity defaults and category come from the catalog so they stay
 * consistent across languages. Lines are clamped into the file so a bug in an
 * analyzer can never produce a comment outside the diff.
 */
export class FindingSink {
  readonly findings: ReviewFinding[] = [];

  constructor(
    private readonly path: string,
    private readonly lineCount: number,
  ) {}

  add(rule: string, line: number, message: string, suggestion?: string, opts: FindingOptions = {}): void {
    const info = ruleInfo(rule);
    if (!info) throw new Error(`local-reviewer: unknown rule id ${rule}`);
    const start = this.clamp(line);
    const finding: ReviewFinding = {
      path: this.path,
      line: start,
      severity: opts.severity ?? info.severity,
      rule,
      category: categoryOf(rule),
      message,
    };
    if (opts.endLine !== undefined) {
      const end = this.clamp(opts.endLine);
      if (end > start) finding.endLine = end;
    }
    if (suggestion) finding.suggestion = suggestion;
    this.findings.push(finding);
  }

  private clamp(line: number): number {
    if (!Number.isFinite(line)) return 1;
    return Math.min(Math.max(1, Math.trunc(line)), Math.max(1, this.lineCount));
  }
}
