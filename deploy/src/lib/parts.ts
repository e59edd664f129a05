import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describeConfig, type PartModule } from "@crm/kit";

/** Repository root (deploy/dist/lib → ../../..). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const repoPath = (...p: string[]): string => path.join(repoRoot, ...p);

export interface Resources {
  /** docker-compose `deploy.resources.limits`. */
  compose: { cpus: string; memory: string };
  /** Kubernetes requests → limits. */
  k8s: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
}

const small: Resources = {
  compose: { cpus: "0.5", memory: "512M" },
  k8s: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
};

/**
 * The deployable parts, as docs/conventions.md lists them. Resources are the seed table of
 * architecture.md ("Deployment artifacts"); the gateway is not in that table, its figures are ours
 * (docs/deployment.md says so).
 */
export interface PartInfo {
  /** Part name (definePart's `name`), also the compose service, k8s Deployment and image name. */
  name: string;
  /** Workspace folder. */
  dir: string;
  pkg: string;
  httpPortKey: string;
  httpPort: number;
  grpcPortKey?: string;
  grpcPort?: number;
  /** Prefix of `<PREFIX>_URL` / `<PREFIX>_GRPC_ADDR`, the keys peers use to reach this part. */
  prefix: string;
  resources: Resources;
}

export const PARTS: readonly PartInfo[] = [
  {
    name: "gateway",
    dir: "gateway",
    pkg: "@crm/gateway",
    httpPortKey: "GATEWAY_PORT",
    httpPort: 8080,
    prefix: "GATEWAY",
    resources: {
      compose: { cpus: "1", memory: "512M" },
      k8s: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1000m", memory: "512Mi" } },
    },
  },
  {
    name: "auth",
    dir: "services/auth",
    pkg: "@crm/auth",
    httpPortKey: "AUTH_HTTP_PORT",
    httpPort: 4001,
    grpcPortKey: "AUTH_GRPC_PORT",
    grpcPort: 5001,
    prefix: "AUTH",
    resources: small,
  },
  {
    name: "project",
    dir: "services/project",
    pkg: "@crm/project",
    httpPortKey: "PROJECT_HTTP_PORT",
    httpPort: 4002,
    grpcPortKey: "PROJECT_GRPC_PORT",
    grpcPort: 5002,
    prefix: "PROJECT",
    resources: small,
  },
  {
    name: "version-control",
    dir: "services/version-control",
    pkg: "@crm/version-control",
    httpPortKey: "VERSION_CONTROL_HTTP_PORT",
    httpPort: 4003,
    grpcPortKey: "VERSION_CONTROL_GRPC_PORT",
    grpcPort: 5003,
    prefix: "VERSION_CONTROL",
    resources: small,
  },
  {
    name: "provider",
    dir: "services/provider",
    pkg: "@crm/provider",
    httpPortKey: "PROVIDER_HTTP_PORT",
    httpPort: 4004,
    grpcPortKey: "PROVIDER_GRPC_PORT",
    grpcPort: 5004,
    prefix: "PROVIDER",
    resources: small,
  },
  {
    name: "ai-orchestrator",
    dir: "services/ai-orchestrator",
    pkg: "@crm/ai-orchestrator",
    httpPortKey: "ORCHESTRATOR_HTTP_PORT",
    httpPort: 4005,
    grpcPortKey: "ORCHESTRATOR_GRPC_PORT",
    grpcPort: 5005,
    prefix: "ORCHESTRATOR",
    resources: {
      compose: { cpus: "2", memory: "4G" },
      k8s: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2000m", memory: "4Gi" } },
    },
  },
  {
    name: "analysis",
    dir: "services/analysis",
    pkg: "@crm/analysis",
    httpPortKey: "ANALYSIS_HTTP_PORT",
    httpPort: 4006,
    grpcPortKey: "ANALYSIS_GRPC_PORT",
    grpcPort: 5006,
    prefix: "ANALYSIS",
    resources: {
      compose: { cpus: "1", memory: "1G" },
      k8s: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1000m", memory: "1Gi" } },
    },
  },
  {
    name: "comparison",
    dir: "services/comparison",
    pkg: "@crm/comparison",
    httpPortKey: "COMPARISON_HTTP_PORT",
    httpPort: 4007,
    prefix: "COMPARISON",
    resources: small,
  },
];

/** The one-shot migration image (compose `migrate`, Kubernetes Job `migrate`). */
export const MIGRATE = {
  name: "migrate",
  dir: "packages/db",
  pkg: "@crm/db",
  entry: "packages/db/dist/migrate-cli.js",
  dockerfile: "deploy/docker/migrate.Dockerfile",
};

export const partByName = (name: string): PartInfo => {
  const p = PARTS.find((x) => x.name === name);
  if (!p) throw new Error(`unknown part ${name}`);
  return p;
};

export const dockerfileOf = (p: PartInfo): string => `${p.dir}/Dockerfile`;
export const entryOf = (p: PartInfo): string => `${p.dir}/dist/main.js`;

export interface ConfigRow {
  name: string;
  required: boolean;
  default?: string;
  doc: string;
}

export interface LoadedPart {
  info: PartInfo;
  module: PartModule;
  rows: ConfigRow[];
  /** Keys of the part's config (every env key it reads, common ones included). */
  keys: Set<string>;
  required: Set<string>;
  /** Defaults as strings (what the part uses when the variable is absent). */
  defaults: Map<string, string>;
}

export type PartLoad = { ok: true; part: LoadedPart } | { ok: false; info: PartInfo; reason: string };

/**
 * Reads a part's real config from its built module (`<dir>/dist/part.js`, the module its
 * `main` runs). A part whose package is not built yet is reported, not fatal: tests skip it
 * with a diagnostic and are strict for every part that exists.
 */
export async function loadPart(info: PartInfo): Promise<PartLoad> {
  const file = repoPath(info.dir, "dist", "part.js");
  if (!existsSync(repoPath(info.dir, "package.json")))
    return { ok: false, info, reason: `${info.dir}/package.json does not exist yet` };
  if (!existsSync(file)) return { ok: false, info, reason: `${info.dir} is not built yet (no dist/part.js)` };
  const mod = (await import(pathToFileURL(file).href)) as { default?: PartModule };
  const module = mod.default;
  if (!module?.config) return { ok: false, info, reason: `${info.dir}/dist/part.js has no default part export` };
  if (module.name !== info.name) throw new Error(`${file} exports part "${module.name}", expected "${info.name}"`);
  if (module.httpPortKey !== info.httpPortKey)
    throw new Error(`${info.name}: httpPortKey is ${module.httpPortKey}, conventions say ${info.httpPortKey}`);
  if ((module.grpcPortKey ?? undefined) !== info.grpcPortKey)
    throw new Error(`${info.name}: grpcPortKey is ${module.grpcPortKey}, conventions say ${info.grpcPortKey}`);
  const rows = describeConfig(module.config);
  return {
    ok: true,
    part: {
      info,
      module,
      rows,
      keys: new Set(rows.map((r) => r.name)),
      required: new Set(rows.filter((r) => r.required).map((r) => r.name)),
      defaults: new Map(rows.filter((r) => r.default !== undefined).map((r) => [r.name, r.default!])),
    },
  };
}

export async function loadParts(): Promise<{ loaded: LoadedPart[]; missing: { info: PartInfo; reason: string }[] }> {
  const loaded: LoadedPart[] = [];
  const missing: { info: PartInfo; reason: string }[] = [];
  for (const info of PARTS) {
    const r = await loadPart(info);
    if (r.ok) loaded.push(r.part);
    else missing.push({ info: r.info, reason: r.reason });
  }
  return { loaded, missing };
}

/** The peers a part calls over gRPC / HTTP, from the `<PREFIX>_GRPC_ADDR` / `<PREFIX>_URL` keys it reads. */
export function peersOf(part: LoadedPart): { grpc: PartInfo[]; http: PartInfo[] } {
  const grpc: PartInfo[] = [];
  const http: PartInfo[] = [];
  for (const info of PARTS) {
    if (info.name === part.info.name) continue;
    if (part.keys.has(`${info.prefix}_GRPC_ADDR`)) grpc.push(info);
    if (part.keys.has(`${info.prefix}_URL`)) http.push(info);
  }
  return { grpc, http };
}

export const readText = (rel: string): string => readFileSync(repoPath(rel), "utf8");

/** Whether the part's config includes the kit's database / redis keys. */
export const usesDatabase = (p: LoadedPart): boolean => p.keys.has("DATABASE_URL");
export const usesRedis = (p: LoadedPart): boolean => p.keys.has("REDIS_URL");

/** Keys whose values are secrets: they come from `.env` / a Kubernetes Secret, never a committed file. */
export const SECRET_KEYS = new Set([
  "MESH_SECRET",
  "DATABASE_URL",
  "REDIS_URL",
  "PROVIDER_KEYS",
  "BOOTSTRAP_ADMIN_PASSWORD",
  "BOOTSTRAP_ADMIN_EMAIL",
]);
export const isSecretKey = (key: string): boolean =>
  SECRET_KEYS.has(key) || /(SECRET|PASSWORD|API_KEY|PRIVATE_KEY|_TOKEN)$/.test(key) || /_KEYS$/.test(key);
