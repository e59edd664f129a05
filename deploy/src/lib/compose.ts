import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { PARTS, repoPath, repoRoot, type PartInfo } from "./parts.js";
import { onPath, run } from "./proc.js";

export const COMPOSE_FILE = "docker-compose.services.yml";

/* eslint-disable @typescript-eslint/no-explicit-any -- compose documents are free-form YAML */
export type ComposeService = Record<string, any>;
export interface ComposeDoc {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, unknown>;
  [key: string]: unknown;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** An env file like a user's `.env`: .env.example with fresh secrets (deploy/scripts/gen-env.mjs). */
export function generateEnvFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "crm-compose-"));
  const file = path.join(dir, ".env");
  const r = run(process.execPath, [repoPath("deploy/scripts/gen-env.mjs"), file]);
  if (r.status !== 0) throw new Error(`gen-env failed: ${r.stderr}`);
  return file;
}

export function parseEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

export const composeAvailable = (): boolean => onPath("docker-compose");

/**
 * The compose file as a real compose implementation resolves it (`docker-compose config`:
 * anchors, merges, ${VAR} substitution from the env file), or, without docker-compose, the same
 * resolution done here (the tests that need it say which one they used).
 */
export function loadCompose(envFile: string): { doc: ComposeDoc; via: "docker-compose" | "yaml" } {
  if (composeAvailable()) {
    const r = run("docker-compose", ["--env-file", envFile, "-f", COMPOSE_FILE, "config"], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    if (r.status !== 0) throw new Error(`docker-compose config failed:\n${r.stderr}`);
    return { doc: parse(r.stdout) as ComposeDoc, via: "docker-compose" };
  }
  const vars = parseEnvFile(envFile);
  const text = interpolate(readFileSync(repoPath(COMPOSE_FILE), "utf8"), vars);
  return { doc: parse(text, { merge: true }) as ComposeDoc, via: "yaml" };
}

/** Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err} and $$. */
export function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (all, name?: string, op?: string, arg?: string) => {
      if (all === "$$") return "$";
      const value = vars[name!];
      const unset = value === undefined || (op?.startsWith(":") && value === "");
      if (op?.endsWith("-")) return unset ? (arg ?? "") : value!;
      if (op?.endsWith("?")) {
        if (unset) throw new Error(`compose: required variable ${name} is not set: ${arg}`);
        return value!;
      }
      return value ?? "";
    },
  );
}

/** A service's environment as a map (compose accepts a list of KEY=VALUE too). */
export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment;
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      (env as string[]).map((kv) => {
        const i = kv.indexOf("=");
        return i < 0 ? [kv, ""] : [kv.slice(0, i), kv.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env as Record<string, unknown>).map(([k, v]) => [k, v == null ? "" : String(v)]),
  );
}

/** `service_healthy` etc. per dependency (short-form lists mean service_started). */
export function dependsOn(service: ComposeService): Record<string, string> {
  const d = service.depends_on;
  if (!d) return {};
  if (Array.isArray(d)) return Object.fromEntries((d as string[]).map((n) => [n, "service_started"]));
  return Object.fromEntries(
    Object.entries(d as Record<string, { condition?: string }>).map(([n, v]) => [n, v?.condition ?? "service_started"]),
  );
}

export interface LocalTranslation {
  /** New ports of each part on 127.0.0.1. */
  ports: Map<string, { http: number; grpc?: number }>;
  databaseUrl: string;
  redisUrl: string;
  redisKeyPrefix: string;
}

/**
 * A service's compose environment as it would be on this machine: every `<service>:<port>`
 * address (peers' gRPC addresses, the gateway's upstream URLs) becomes 127.0.0.1 and the port
 * that part listens on here, the part's own port keys get those ports, DATABASE_URL and
 * REDIS_URL point at the test's PostgreSQL and Redis. Nothing else changes.
 */
export function translateEnv(
  env: Record<string, string>,
  part: PartInfo | undefined,
  t: LocalTranslation,
): Record<string, string> {
  const out: Record<string, string> = {};
  const byHostPort = new Map<string, string>();
  for (const p of PARTS) {
    const local = t.ports.get(p.name);
    if (!local) continue;
    byHostPort.set(`${p.name}:${p.httpPort}`, `127.0.0.1:${local.http}`);
    if (p.grpcPort && local.grpc) byHostPort.set(`${p.name}:${p.grpcPort}`, `127.0.0.1:${local.grpc}`);
  }
  for (const [key, value] of Object.entries(env)) {
    if (key === "DATABASE_URL") out[key] = t.databaseUrl;
    else if (key === "REDIS_URL") out[key] = t.redisUrl;
    else if (key === "REDIS_KEY_PREFIX") out[key] = t.redisKeyPrefix;
    else out[key] = value.replace(/(?<=^|\/\/)([a-z][a-z0-9-]*):(\d+)/g, (m) => byHostPort.get(m) ?? m);
  }
  if (part) {
    const local = t.ports.get(part.name);
    if (local) {
      out[part.httpPortKey] = String(local.http);
      if (part.grpcPortKey && local.grpc) out[part.grpcPortKey] = String(local.grpc);
    }
  }
  return out;
}
