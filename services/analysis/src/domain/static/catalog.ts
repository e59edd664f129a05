import type { Severity } from "../types.js";

/**
 * The curated static rule set: every rule a static analyzer may report, with its severity,
 * category and "concept" (what it is about, shared with AI rules so duplicates can be found).
 * `byDefault: false` rules run only when a version's `staticRules` selects them (noisy ones).
 */
export interface StaticRule {
  id: string;
  analyzer: "eslint" | "secretlint" | "text" | "metrics";
  severity: Severity;
  category: "security" | "correctness" | "maintainability" | "performance" | "style";
  concept: string;
  description: string;
  byDefault: boolean;
  /** ESLint: the rule's name in ESLint and its options. */
  eslint?: { name: string; options?: unknown[]; ts?: string };
}

const es = (
  name: string,
  severity: Severity,
  category: StaticRule["category"],
  concept: string,
  description: string,
  extra: { options?: unknown[]; ts?: string; byDefault?: boolean } = {},
): StaticRule => ({
  id: `eslint/${name}`,
  analyzer: "eslint",
  severity,
  category,
  concept,
  description,
  byDefault: extra.byDefault ?? true,
  eslint: { name, ...(extra.options ? { options: extra.options } : {}), ...(extra.ts ? { ts: extra.ts } : {}) },
});

export const STATIC_RULES: readonly StaticRule[] = [
  // Security (ESLint core and eslint-plugin-security).
  es("no-eval", "high", "security", "eval", "eval() runs arbitrary code"),
  es("no-implied-eval", "high", "security", "eval", "setTimeout/setInterval with a string evaluates code"),
  es("no-new-func", "high", "security", "eval", "new Function() evaluates code"),
  es("no-script-url", "medium", "security", "script-url", "javascript: URLs are a form of eval"),
  es("no-proto", "low", "security", "proto", "__proto__ is deprecated and enables prototype pollution"),
  es("security/detect-eval-with-expression", "high", "security", "eval", "eval with a non-literal argument"),
  es("security/detect-child-process", "high", "security", "command-injection", "child_process with dynamic input"),
  es("security/detect-non-literal-fs-filename", "medium", "security", "path-traversal", "fs call with a computed path"),
  es("security/detect-non-literal-require", "medium", "security", "dynamic-require", "require() of a computed module"),
  es("security/detect-non-literal-regexp", "medium", "security", "regex-dos", "RegExp built from a non-literal"),
  es("security/detect-unsafe-regex", "high", "security", "regex-dos", "regular expression open to ReDoS"),
  es("security/detect-buffer-noassert", "medium", "security", "buffer-noassert", "Buffer read/write without checks"),
  es("security/detect-new-buffer", "medium", "security", "new-buffer", "new Buffer() with a non-literal"),
  es("security/detect-pseudoRandomBytes", "medium", "security", "insecure-random", "crypto.pseudoRandomBytes"),
  es("security/detect-possible-timing-attacks", "medium", "security", "timing-attack", "secret compared with ==="),
  es("security/detect-no-csrf-before-method-override", "medium", "security", "csrf", "csrf before methodOverride"),
  es("security/detect-disable-mustache-escape", "high", "security", "xss", "template escaping turned off"),
  es("security/detect-bidi-characters", "high", "security", "trojan-source", "bidirectional control characters"),
  es("security/detect-invisible-characters", "medium", "security", "trojan-source", "invisible characters in code"),
  es("security/detect-object-injection", "low", "security", "object-injection", "obj[userInput] (noisy)", {
    byDefault: false,
  }),
  // Correctness.
  es("no-debugger", "medium", "correctness", "debugger", "debugger statement left in code"),
  es("no-unreachable", "medium", "correctness", "unreachable-code", "code after return/throw/break"),
  es("no-cond-assign", "medium", "correctness", "assignment-in-condition", "assignment in a condition"),
  es("no-dupe-keys", "high", "correctness", "duplicate-key", "duplicate object key"),
  es("no-dupe-else-if", "high", "correctness", "duplicate-condition", "repeated else-if condition"),
  es("no-duplicate-case", "high", "correctness", "duplicate-case", "repeated switch case"),
  es("no-self-compare", "medium", "correctness", "self-compare", "value compared with itself"),
  es("no-self-assign", "medium", "correctness", "self-assign", "value assigned to itself"),
  es("use-isnan", "high", "correctness", "nan-compare", "comparison with NaN"),
  es("valid-typeof", "high", "correctness", "typeof", "typeof compared with an invalid string"),
  es("no-unsafe-finally", "high", "correctness", "unsafe-finally", "control flow in finally"),
  es("no-unsafe-negation", "high", "correctness", "unsafe-negation", "!a in b / !a instanceof b"),
  es("no-constant-condition", "low", "correctness", "constant-condition", "condition that never changes"),
  es("no-fallthrough", "medium", "correctness", "fallthrough", "switch case falls through"),
  es("no-sparse-arrays", "low", "correctness", "sparse-array", "array literal with holes"),
  es("no-empty", "medium", "correctness", "empty-catch", "empty block (e.g. a swallowed exception)", {
    options: [{ allowEmptyCatch: false }],
  }),
  es("eqeqeq", "low", "correctness", "loose-equality", "== / != with type coercion", { options: ["smart"] }),
  es("no-throw-literal", "low", "correctness", "throw-literal", "throwing a non-Error", { byDefault: false }),
  es("no-shadow", "low", "correctness", "shadowed-variable", "declaration hides an outer one", { byDefault: false }),
  // Maintainability: complexity and size metrics.
  es("complexity", "medium", "maintainability", "cyclomatic-complexity", "cyclomatic complexity over 15", {
    options: [15],
  }),
  es("max-depth", "low", "maintainability", "deep-nesting", "blocks nested more than 4 deep", { options: [4] }),
  es("max-params", "low", "maintainability", "too-many-parameters", "more than 5 parameters", { options: [5] }),
  es("max-nested-callbacks", "low", "maintainability", "callback-nesting", "callbacks nested more than 4 deep", {
    options: [4],
  }),
  es("max-lines-per-function", "low", "maintainability", "long-function", "function longer than 100 lines", {
    options: [{ max: 100, skipBlankLines: true, skipComments: true }],
  }),
  es("max-lines", "info", "maintainability", "long-file", "file longer than 1000 lines", {
    options: [{ max: 1000, skipBlankLines: true, skipComments: true }],
  }),
  es("no-unused-vars", "low", "maintainability", "unused-variable", "variable declared but never used", {
    options: [{ args: "after-used", argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    ts: "@typescript-eslint/no-unused-vars",
  }),
  // Style and performance.
  es("no-var", "low", "style", "no-var", "var instead of let/const"),
  es("no-console", "info", "style", "console-log", "console call left in code", { byDefault: false }),
  es("no-await-in-loop", "low", "performance", "await-in-loop", "sequential await inside a loop", {
    byDefault: false,
  }),
  // Secret detection (secretlint's recommended preset, every rule of it).
  {
    id: "secrets/secretlint",
    analyzer: "secretlint",
    severity: "critical",
    category: "security",
    concept: "hardcoded-secret",
    description: "credential, key or token committed in the code (secretlint recommended preset)",
    byDefault: true,
  },
  // Language-independent checks, for every file.
  text("text/merge-conflict", "high", "correctness", "merge-conflict", "unresolved merge conflict marker"),
  text("text/long-line", "info", "style", "long-line", "line longer than 200 characters"),
  text("text/todo", "info", "maintainability", "todo-comment", "TODO/FIXME/HACK/XXX marker"),
  text("text/private-ip", "low", "security", "hardcoded-address", "hard-coded private network address", false),
  metric("metrics/long-file", "info", "long-file", "file longer than 1000 lines (non-JS languages)"),
  metric("metrics/deep-nesting", "low", "deep-nesting", "indentation nested more than 6 levels (non-JS languages)"),
  metric("metrics/complexity", "medium", "cyclomatic-complexity", "over 50 decision points in a file (non-JS)"),
];

function text(
  id: string,
  severity: Severity,
  category: StaticRule["category"],
  concept: string,
  description: string,
  byDefault = true,
): StaticRule {
  return { id, analyzer: "text", severity, category, concept, description, byDefault };
}

function metric(id: string, severity: Severity, concept: string, description: string): StaticRule {
  return { id, analyzer: "metrics", severity, category: "maintainability", concept, description, byDefault: true };
}

export const RULES_BY_ID: ReadonlyMap<string, StaticRule> = new Map(STATIC_RULES.map((r) => [r.id, r]));

/**
 * AI rule ids (the local reviewer's and what remote models are asked for) whose concept differs
 * from their last segment. Everything else maps to its last segment.
 */
const AI_CONCEPTS: Record<string, string> = {
  "security/hardcoded-secret": "hardcoded-secret",
  "correctness/unreachable-code": "unreachable-code",
  "maintainability/long-line": "long-line",
  "style/console-log": "console-log",
};

export function conceptOf(rule: string): string {
  if (rule.startsWith("secrets/")) return "hardcoded-secret";
  const known = RULES_BY_ID.get(rule);
  if (known) return known.concept;
  return AI_CONCEPTS[rule] ?? rule.slice(rule.lastIndexOf("/") + 1).toLowerCase();
}
