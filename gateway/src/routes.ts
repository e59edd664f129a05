/**
 * The one route table of the public API: path prefix → upstream. Paths are forwarded unchanged.
 * Order matters: the first match wins, so a more specific prefix comes before a shorter one.
 */

export type UpstreamName =
  "auth" | "project" | "version-control" | "provider" | "ai-orchestrator" | "analysis" | "comparison";

/** Upstream → the config key holding its base URL. */
export const UPSTREAM_URL_KEYS = {
  auth: "AUTH_URL",
  project: "PROJECT_URL",
  "version-control": "VERSION_CONTROL_URL",
  provider: "PROVIDER_URL",
  "ai-orchestrator": "ORCHESTRATOR_URL",
  analysis: "ANALYSIS_URL",
  comparison: "COMPARISON_URL",
} as const satisfies Record<UpstreamName, string>;

export const UPSTREAMS = Object.keys(UPSTREAM_URL_KEYS) as UpstreamName[];

/** `{id}` stands for exactly one path segment. */
export const ROUTE_TABLE: readonly { prefix: string; upstream: UpstreamName }[] = [
  { prefix: "/api/v1/auth", upstream: "auth" },
  { prefix: "/api/v1/users", upstream: "auth" },
  { prefix: "/api/v1/projects/{id}/analyses", upstream: "analysis" },
  { prefix: "/api/v1/projects", upstream: "project" },
  { prefix: "/api/v1/analyses", upstream: "analysis" },
  { prefix: "/api/v1/providers", upstream: "provider" },
  { prefix: "/api/v1/quotas", upstream: "provider" },
  { prefix: "/api/v1/usage", upstream: "provider" },
  { prefix: "/api/v1/ai", upstream: "ai-orchestrator" },
  { prefix: "/api/v1/experiments", upstream: "version-control" },
  { prefix: "/api/v1/comparisons", upstream: "comparison" },
  { prefix: "/api/v1/ab-tests", upstream: "comparison" },
  { prefix: "/.well-known/jwks.json", upstream: "auth" },
];

export interface Route {
  prefix: string;
  upstream: UpstreamName;
}

type Matcher = (path: string) => boolean;

function compile(prefix: string): Matcher {
  if (!prefix.includes("{")) {
    const slash = `${prefix}/`;
    return (path) => path === prefix || path.startsWith(slash);
  }
  const source = prefix
    .split("/")
    .map((part) => (/^\{\w+\}$/.test(part) ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  const re = new RegExp(`^${source}(?:/|$)`);
  return (path) => re.test(path);
}

const COMPILED = ROUTE_TABLE.map((r) => ({ route: r as Route, match: compile(r.prefix) }));

/** The route serving a path (path only, no query), or undefined. */
export function resolveRoute(path: string): Route | undefined {
  for (const { route, match } of COMPILED) if (match(path)) return route;
  return undefined;
}

const ARCHIVE = /^\/api\/v1\/projects\/[^/]+\/archive\/?$/;

/** The largest body the request may carry: archives get their own, larger limit. */
export function bodyLimitFor(method: string, path: string, limits: { body: number; archive: number }): number {
  return method === "POST" && ARCHIVE.test(path) ? limits.archive : limits.body;
}

/**
 * Dot segments (`/../`, `/./`, also percent-encoded) would let a path choose one upstream by its
 * raw form and mean another once normalized; the edge refuses them.
 */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;
const ENCODED_SLASH = /%2f|%5c/i;

export function isSuspiciousPath(path: string): boolean {
  return DOT_SEGMENT.test(path) || ENCODED_SLASH.test(path) || path.includes("\\") || path.includes("//");
}
