import type { Category, Severity } from "./types.js";

/** Which analyzer emits a rule; used for documentation and the chat capability summary. */
export type Analyzer = "js" | "python" | "generic";

export interface RuleInfo {
  id: string;
  severity: Severity;
  analyzers: readonly Analyzer[];
  description: string;
}

const JS: readonly Analyzer[] = ["js"];
const PY: readonly Analyzer[] = ["python"];
const JS_PY: readonly Analyzer[] = ["js", "python"];
const ALL: readonly Analyzer[] = ["js", "python", "generic"];

/**
 * Single source of truth for rule ids and their default severity. Findings
 * can only be emitted for ids listed here (the sink throws otherwise), which
 * keeps ids stable for suppressions and dashboards.
 */
export const RULES: readonly RuleInfo[] = [
  { id: "security/eval", severity: "high", analyzers: JS_PY, description: "eval/exec/new Function on dynamic input" },
  {
    id: "security/command-injection",
    severity: "high",
    analyzers: JS_PY,
    description: "shell command built from non-constant data",
  },
  {
    id: "security/sql-injection",
    severity: "critical",
    analyzers: JS_PY,
    description: "SQL built by concatenation/interpolation passed to a query call",
  },
  {
    id: "security/xss",
    severity: "high",
    analyzers: JS,
    description: "innerHTML/outerHTML/document.write/dangerouslySetInnerHTML with dynamic HTML",
  },
  { id: "security/weak-hash", severity: "medium", analyzers: JS_PY, description: "MD5/SHA-1 used for hashing" },
  {
    id: "security/weak-cipher",
    severity: "high",
    analyzers: JS,
    description: "deprecated createCipher, DES/RC4/ECB ciphers",
  },
  {
    id: "security/insecure-random",
    severity: "medium",
    analyzers: JS_PY,
    description: "non-cryptographic RNG used for tokens, ids or passwords",
  },
  {
    id: "security/hardcoded-secret",
    severity: "high",
    analyzers: ALL,
    description: "credential or API key committed as a literal",
  },
  {
    id: "security/regex-dos",
    severity: "medium",
    analyzers: JS_PY,
    description: "regular expression with ambiguous nested quantifiers (ReDoS)",
  },
  {
    id: "security/tls-disabled",
    severity: "high",
    analyzers: JS_PY,
    description: "TLS certificate verification turned off",
  },
  {
    id: "security/unsafe-deserialization",
    severity: "high",
    analyzers: PY,
    description: "pickle/marshal/yaml.load on untrusted data",
  },
  {
    id: "security/path-traversal",
    severity: "high",
    analyzers: JS,
    description: "request input used directly as a file-system path",
  },
  {
    id: "security/open-redirect",
    severity: "medium",
    analyzers: JS,
    description: "request input used directly as a redirect target",
  },
  {
    id: "correctness/empty-catch",
    severity: "medium",
    analyzers: JS_PY,
    description: "exception swallowed by an empty handler",
  },
  {
    id: "correctness/bare-except",
    severity: "medium",
    analyzers: PY,
    description: "bare except also catches KeyboardInterrupt/SystemExit",
  },
  { id: "correctness/loose-equality", severity: "low", analyzers: JS, description: "== / != with type coercion" },
  { id: "correctness/none-comparison", severity: "low", analyzers: PY, description: "== None instead of is None" },
  {
    id: "correctness/floating-promise",
    severity: "medium",
    analyzers: JS,
    description: "promise neither awaited nor given a rejection handler",
  },
  {
    id: "correctness/unreachable-code",
    severity: "medium",
    analyzers: JS,
    description: "statement after return/throw/break/continue",
  },
  {
    id: "correctness/assignment-in-condition",
    severity: "medium",
    analyzers: JS,
    description: "= used where == / === was probably meant",
  },
  {
    id: "correctness/non-null-assertion",
    severity: "low",
    analyzers: JS,
    description: "chain of non-null assertions (x!.y!.z)",
  },
  {
    id: "correctness/shadowed-variable",
    severity: "low",
    analyzers: JS,
    description: "declaration hides one in an enclosing scope",
  },
  {
    id: "correctness/mutable-default-arg",
    severity: "medium",
    analyzers: PY,
    description: "mutable default argument shared between calls",
  },
  {
    id: "correctness/assert-validation",
    severity: "low",
    analyzers: PY,
    description: "assert used for runtime validation (stripped by -O)",
  },
  {
    id: "correctness/debugger",
    severity: "medium",
    analyzers: JS_PY,
    description: "debugger statement / breakpoint left in code",
  },
  {
    id: "maintainability/unused-variable",
    severity: "low",
    analyzers: JS,
    description: "binding declared but never referenced",
  },
  {
    id: "maintainability/cyclomatic-complexity",
    severity: "medium",
    analyzers: JS_PY,
    description: "function with too many independent paths",
  },
  {
    id: "maintainability/too-many-parameters",
    severity: "low",
    analyzers: JS_PY,
    description: "function with more than 5 parameters",
  },
  {
    id: "maintainability/long-function",
    severity: "low",
    analyzers: JS_PY,
    description: "function with more than 60 lines of code",
  },
  {
    id: "maintainability/deep-nesting",
    severity: "low",
    analyzers: ALL,
    description: "blocks nested more than 4 levels deep",
  },
  { id: "maintainability/todo-comment", severity: "info", analyzers: ALL, description: "TODO/FIXME/HACK/XXX marker" },
  { id: "maintainability/long-file", severity: "info", analyzers: ALL, description: "file longer than 1000 lines" },
  {
    id: "maintainability/long-line",
    severity: "info",
    analyzers: ["generic"],
    description: "line longer than 160 characters",
  },
  { id: "performance/await-in-loop", severity: "low", analyzers: JS, description: "sequential await inside a loop" },
  {
    id: "performance/sync-io",
    severity: "medium",
    analyzers: JS,
    description: "blocking *Sync call inside async code or a request handler",
  },
  { id: "style/no-var", severity: "low", analyzers: JS, description: "var instead of let/const" },
  { id: "style/console-log", severity: "low", analyzers: JS, description: "console.log/debug/trace left in code" },
  { id: "style/no-explicit-any", severity: "low", analyzers: JS, description: "explicit any disables type checking" },
];

const INDEX = new Map(RULES.map((r) => [r.id, r]));

export function ruleInfo(id: string): RuleInfo | undefined {
  return INDEX.get(id);
}

/** Category is the rule id prefix, so ids and categories can never disagree. */
export function categoryOf(id: string): Category {
  return id.slice(0, id.indexOf("/")) as Category;
}

/**
 * Allow-list matching: an entry may be an exact id, a category name, or a
 * prefix ending in "/*". An absent or empty list means "all rules".
 */
export function ruleFilter(allow: readonly string[] | undefined): (id: string) => boolean {
  if (!allow || allow.length === 0) return () => true;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const raw of allow) {
    const entry = raw.trim();
    if (entry.endsWith("/*")) prefixes.push(entry.slice(0, -1));
    else if (!entry.includes("/")) prefixes.push(`${entry}/`);
    else exact.add(entry);
  }
  return (id) => exact.has(id) || prefixes.some((p) => id.startsWith(p));
}
