/**
 * Language-independent heuristics for hard-coded credentials. Shared by the
 * JS (AST), Python (token) and generic (line) analyzers so all three agree on
 * what counts as a secret.
 *
 * A finding needs BOTH a secret-looking name and a value that looks like real
 * key material; either alone produces too many false positives (e.g.
 * `const PASSWORD_FIELD = "password"` or `message = "Invalid token"`).
 */

const SECRET_WORDS = new Set([
  "password",
  "passwd",
  "pwd",
  "passphrase",
  "secret",
  "secrets",
  "token",
  "apikey",
  "credential",
  "credentials",
  "privatekey",
  "accesskey",
  "secretkey",
  "bearer",
]);

/** A trailing "key" is only secret when qualified: apiKey yes, sortKey no. */
const KEY_QUALIFIERS = new Set([
  "api",
  "access",
  "private",
  "secret",
  "signing",
  "encryption",
  "master",
  "auth",
  "client",
  "license",
  "app",
]);

/** Names containing any of these describe metadata about a secret, not the secret itself. */
const NON_SECRET_WORDS = new Set([
  "header",
  "name",
  "field",
  "param",
  "label",
  "placeholder",
  "prompt",
  "message",
  "msg",
  "url",
  "uri",
  "endpoint",
  "path",
  "file",
  "dir",
  "env",
  "var",
  "type",
  "kind",
  "length",
  "len",
  "count",
  "regex",
  "pattern",
  "prefix",
  "suffix",
  "format",
  "expires",
  "expiry",
  "expiration",
  "ttl",
  "limit",
  "hint",
  "policy",
  "error",
  "column",
  "table",
  "route",
  "event",
  "mode",
  "strategy",
  "min",
  "max",
  "required",
  "enabled",
  "storage",
  "cookie",
  "query",
  "input",
  "hash",
  "rounds",
  "algorithm",
  "alg",
  "size",
  "encoding",
  "lifetime",
  "duration",
  "timeout",
  "template",
  "id",
  "location",
  "selector",
  "key_name",
  "reset",
  "validation",
  "rule",
  "rules",
  "schema",
  "class",
  "style",
  "description",
  "text",
  "title",
]);

const PLACEHOLDER =
  /^(?:<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%[^%]*%|x+|\*+|\.+|-+|changeme|change[-_ ]?me|your[-_ ].*|example|dummy|test|testing|todo|null|none|nil|undefined|redacted|placeholder|secret|password|token|xxx+)$/i;

/** Splits camelCase, snake_case, kebab-case and dotted names into lowercase words. */
export function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

export function isSecretName(name: string): boolean {
  const words = splitWords(name);
  if (words.length === 0 || words.some((w) => NON_SECRET_WORDS.has(w))) return false;
  if (words.length === 1 && words[0] === "pass") return true;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (SECRET_WORDS.has(w)) return true;
    if (w === "key" && i > 0 && KEY_QUALIFIERS.has(words[i - 1] as string)) return true;
  }
  return false;
}

/** Whether a literal assigned to a secret-named binding looks like actual key material. */
export function isSecretValue(value: string, name: string): boolean {
  const v = value.trim();
  if (v.length < 4 || v.length > 500) return false;
  if (/\s/.test(v)) return false; // prose ("Invalid password") rather than a credential
  if (PLACEHOLDER.test(v)) return false;
  if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(v)) return false; // an env var name being looked up
  if (/^(?:https?:)?\/\//.test(v) && !/:\/\/[^/\s:@]+:[^/\s@]+@/.test(v)) return false;
  const compact = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, "");
  const cv = compact(v);
  const cn = compact(name);
  if (cv.length > 0 && (cn.includes(cv) || cv.includes(cn))) return false; // `PASSWORD = "password"` is a field key
  return true;
}

const KNOWN_TOKENS: ReadonlyArray<[RegExp, string]> = [
  [/-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----/, "private key"],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, "AWS access key id"],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}/, "GitHub token"],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, "Slack token"],
  [/\b(?:sk|rk)_live_[A-Za-z0-9]{16,}/, "Stripe live key"],
  [/\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}/, "API secret key"],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, "Google API key"],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, "JSON Web Token"],
  [
    /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@'"]+:(?!\$\{|<|\{\{|\*+@|x+@|password@)[^/\s:@'"]{3,}@/i,
    "URL with embedded credentials",
  ],
];

/** Recognisable credential formats, reported regardless of the variable name. */
export function knownSecretKind(text: string): string | undefined {
  for (const [re, kind] of KNOWN_TOKENS) if (re.test(text)) return kind;
  return undefined;
}

export const SECRET_SUGGESTION =
  "Load it from the environment or a secret manager (e.g. process.env / os.environ), and rotate the exposed value.";
