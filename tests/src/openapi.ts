/** Walks the gateway's merged OpenAPI document: every operation with its path, method and security. */
export interface Operation {
  method: string;
  path: string;
  /** True when the operation declares `security: []` (callable anonymously). */
  public: boolean;
  requestSchema?: Record<string, unknown>;
  contentType?: string;
}

interface OpenApiDoc {
  paths: Record<
    string,
    Record<
      string,
      { security?: unknown[]; requestBody?: { content?: Record<string, { schema?: Record<string, unknown> }> } }
    >
  >;
  security?: unknown[];
}

const METHODS = new Set(["get", "post", "put", "patch", "delete"]);

export function operations(doc: OpenApiDoc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const security = op.security ?? doc.security ?? [];
      const content = op.requestBody?.content ?? {};
      const [contentType, media] = Object.entries(content)[0] ?? [];
      const entry: Operation = { method: method.toUpperCase(), path, public: security.length === 0 };
      if (media?.schema) entry.requestSchema = media.schema;
      if (contentType) entry.contentType = contentType;
      ops.push(entry);
    }
  }
  return ops;
}

/** Fills `{param}` placeholders with ids that exist nowhere (or the given ones). */
export function concretePath(path: string, ids: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(ids[name] ?? fallback(name)));
}

function fallback(name: string): string {
  if (/^(n|a|b|version)$/i.test(name)) return "1";
  if (/label|alias/i.test(name)) return "staging";
  return "00000000-0000-4000-8000-000000000000";
}

/** The ids to put into an operation's path: those registered for the longest matching prefix. */
export function idsFor(path: string, byPrefix: Record<string, Record<string, string>>): Record<string, string> {
  const prefix = Object.keys(byPrefix)
    .filter((p) => path === p || path.startsWith(`${p}/`))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? byPrefix[prefix]! : {};
}
