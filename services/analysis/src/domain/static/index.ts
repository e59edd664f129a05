import { isJsLike, type FindingDraft, type SourceFile } from "../types.js";
import { runEslint } from "./eslint.js";
import { runSecretlint } from "./secrets.js";
import { runTextChecks, type FileMetrics } from "./text.js";

export { selectRules } from "./select.js";
export { STATIC_RULES, RULES_BY_ID, conceptOf } from "./catalog.js";
export type { FileMetrics } from "./text.js";

export interface StaticOutcome {
  findings: FindingDraft[];
  metrics: FileMetrics;
  warnings: string[];
}

const PARSE_ERROR = "eslint/parse-error";

/** Every static analyzer that applies to the file, limited to the enabled rules. */
export async function runStatic(file: SourceFile, enabled: ReadonlySet<string>): Promise<StaticOutcome> {
  const jsLike = isJsLike(file.path);
  const text = runTextChecks(file, enabled, jsLike);
  const findings = [...text.findings];
  const warnings: string[] = [];
  if (jsLike && [...enabled].some((id) => id.startsWith("eslint/"))) {
    const eslint = await runEslint(file, enabled);
    findings.push(...eslint.findings);
    if (eslint.parseError) {
      // A reconstruction from hunks is expected not to parse; a whole file that does not is a finding.
      if (file.partial) warnings.push(`${file.path}: ESLint could not parse the diff's hunks`);
      else
        findings.push({
          path: file.path,
          line: eslint.parseError.line,
          severity: "medium",
          rule: PARSE_ERROR,
          category: "correctness",
          message: `File does not parse: ${eslint.parseError.message}`,
          source: "static",
          analyzer: "eslint",
          concept: "parse-error",
        });
    }
  }
  if (enabled.has("secrets/secretlint")) findings.push(...(await runSecretlint(file)));
  return { findings, metrics: text.metrics, warnings };
}
