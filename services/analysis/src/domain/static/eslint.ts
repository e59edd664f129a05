import { ESLint, type Linter } from "eslint";
import security from "eslint-plugin-security";
import tseslint from "typescript-eslint";
import type { FindingDraft, SourceFile } from "../types.js";
import { STATIC_RULES, type StaticRule } from "./catalog.js";

/**
 * ESLint through its Node API, with our curated rules only: no config file is read
 * (`overrideConfigFile: true`), so what a repository ships cannot change what we check.
 * Files are linted from memory under a virtual root; nothing touches the disk.
 */
const ROOT = "/virtual-project";

const JS_FILES = ["**/*.js", "**/*.mjs", "**/*.cjs", "**/*.jsx"];
const TS_FILES = ["**/*.ts", "**/*.mts", "**/*.cts", "**/*.tsx"];

function rulesConfig(rules: StaticRule[], ts: boolean): Linter.RulesRecord {
  const out: Linter.RulesRecord = {};
  for (const rule of rules) {
    if (!rule.eslint) continue;
    const name = ts && rule.eslint.ts ? rule.eslint.ts : rule.eslint.name;
    out[name] = ["warn", ...(rule.eslint.options ?? [])] as Linter.RuleEntry;
  }
  return out;
}

const instances = new Map<string, ESLint>();

function eslintFor(enabled: ReadonlySet<string>): ESLint {
  const rules = STATIC_RULES.filter((r) => r.eslint && enabled.has(r.id));
  const key = rules.map((r) => r.id).join(",");
  let eslint = instances.get(key);
  if (!eslint) {
    const common = {
      plugins: { security: security as unknown as ESLint.Plugin },
      linterOptions: { reportUnusedDisableDirectives: "off" as const, noInlineConfig: true },
    };
    eslint = new ESLint({
      cwd: ROOT,
      overrideConfigFile: true,
      overrideConfig: [
        {
          ...common,
          files: JS_FILES,
          languageOptions: {
            ecmaVersion: "latest",
            sourceType: "module",
            parserOptions: { ecmaFeatures: { jsx: true } },
          },
          rules: rulesConfig(rules, false),
        },
        {
          ...common,
          files: ["**/*.cjs"],
          languageOptions: { sourceType: "commonjs" },
        },
        {
          ...common,
          files: TS_FILES,
          plugins: { ...common.plugins, "@typescript-eslint": tseslint.plugin as unknown as ESLint.Plugin },
          languageOptions: {
            parser: tseslint.parser as Linter.Parser,
            ecmaVersion: "latest",
            sourceType: "module",
            parserOptions: { ecmaFeatures: { jsx: true } },
          },
          rules: rulesConfig(rules, true),
        },
      ],
    });
    instances.set(key, eslint);
  }
  return eslint;
}

export const ESLINT_VERSION = ESLint.version;

/** Maps ESLint's rule name back to ours ("@typescript-eslint/no-unused-vars" → "eslint/no-unused-vars"). */
const BY_ESLINT_NAME = new Map<string, StaticRule>();
for (const rule of STATIC_RULES) {
  if (!rule.eslint) continue;
  BY_ESLINT_NAME.set(rule.eslint.name, rule);
  if (rule.eslint.ts) BY_ESLINT_NAME.set(rule.eslint.ts, rule);
}

export interface EslintOutcome {
  findings: FindingDraft[];
  /** Set when the file could not be parsed (a finding in full files, a warning for diff reconstructions). */
  parseError?: { line: number; message: string };
}

export async function runEslint(file: SourceFile, enabled: ReadonlySet<string>): Promise<EslintOutcome> {
  const eslint = eslintFor(enabled);
  const [result] = await eslint.lintText(file.content, { filePath: `${ROOT}/${file.path}`, warnIgnored: false });
  const outcome: EslintOutcome = { findings: [] };
  for (const m of result?.messages ?? []) {
    if (m.fatal) {
      outcome.parseError = { line: Math.max(1, m.line ?? 1), message: m.message };
      continue;
    }
    // Messages without a rule are ESLint's own notes (e.g. ignored inline directives).
    if (!m.ruleId) continue;
    const rule = BY_ESLINT_NAME.get(m.ruleId);
    if (!rule) continue;
    outcome.findings.push({
      path: file.path,
      line: Math.max(1, m.line),
      ...(m.endLine && m.endLine > m.line ? { endLine: m.endLine } : {}),
      column: m.column,
      severity: rule.severity,
      rule: rule.id,
      category: rule.category,
      message: m.message,
      source: "static",
      analyzer: "eslint",
      analyzerVersion: ESLINT_VERSION,
      concept: rule.concept,
    });
  }
  return outcome;
}
