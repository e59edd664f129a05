import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@crm/db/testing";
import { signIdentity, startPart, type Identity, type PartModule, type RunningPart } from "@crm/kit";
import { testEnv } from "@crm/kit/testing";

/**
 * The real peers of the analysis service, started in-process on port 0 against one test
 * database (each part in its own Postgres schema): provider (its built-in `local` model),
 * ai-orchestrator (the offline local reviewer), project and, once it is built, version-control.
 */
export interface Mesh {
  env: Record<string, string>;
  db: TestDatabase;
  project: RunningPart;
  versionControl?: RunningPart;
  /** Env for an analysis part pointed at these peers. */
  analysisEnv(extra?: Record<string, string>): Record<string, string>;
  token(identity: Identity): string;
  close(): Promise<void>;
}

export const OWNER: Identity = { sub: "owner-1", role: "member", via: "token", email: "owner@example.com" };
export const OUTSIDER: Identity = { sub: "outsider-1", role: "member", via: "token", email: "out@example.com" };

/** Imports a peer's part by package name without a compile-time dependency on its types. */
export async function loadPart(pkg: string): Promise<PartModule | undefined> {
  try {
    return ((await import(pkg)) as { default: PartModule }).default;
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_MODULE_NOT_FOUND") return undefined;
    throw err;
  }
}

export async function startMesh(): Promise<Mesh> {
  const db = await createTestDatabase();
  const env = testEnv({
    DATABASE_URL: db.url,
    PROVIDER_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    PROVIDER_HTTP_PORT: "0",
    PROVIDER_GRPC_PORT: "0",
    ORCHESTRATOR_HTTP_PORT: "0",
    ORCHESTRATOR_GRPC_PORT: "0",
    PROJECT_HTTP_PORT: "0",
    PROJECT_GRPC_PORT: "0",
    VERSION_CONTROL_HTTP_PORT: "0",
    VERSION_CONTROL_GRPC_PORT: "0",
    // The project service asks auth only to add members by e-mail, which these tests do not do.
    AUTH_GRPC_ADDR: "127.0.0.1:1",
  });
  const started: RunningPart[] = [];
  const start = async (pkg: string, required = true) => {
    const part = await loadPart(pkg);
    if (!part) {
      if (required) throw new Error(`${pkg} is not built`);
      return undefined;
    }
    const running = await startPart(part, { env });
    started.push(running);
    return running;
  };
  const provider = (await start("@crm/provider/part"))!;
  env.PROVIDER_GRPC_ADDR = `127.0.0.1:${provider.grpcPort}`;
  const orchestrator = (await start("@crm/ai-orchestrator/part"))!;
  env.ORCHESTRATOR_GRPC_ADDR = `127.0.0.1:${orchestrator.grpcPort}`;
  const project = (await start("@crm/project/part"))!;
  env.PROJECT_GRPC_ADDR = `127.0.0.1:${project.grpcPort}`;
  env.PROJECT_URL = `http://127.0.0.1:${project.httpPort}`;
  env.PROJECT_GRPC_ADDR = `127.0.0.1:${project.grpcPort}`;
  const versionControl = await start("@crm/version-control/part", false);
  if (versionControl) {
    env.VERSION_CONTROL_GRPC_ADDR = `127.0.0.1:${versionControl.grpcPort}`;
    env.VERSION_CONTROL_URL = `http://127.0.0.1:${versionControl.httpPort}`;
  }
  return {
    env,
    db,
    project,
    ...(versionControl ? { versionControl } : {}),
    analysisEnv: (extra = {}) => ({
      ...env,
      ANALYSIS_HTTP_PORT: "0",
      ANALYSIS_GRPC_PORT: "0",
      VERSION_CONTROL_GRPC_ADDR: env.VERSION_CONTROL_GRPC_ADDR ?? "127.0.0.1:1",
      ANALYSIS_POLL_INTERVAL_MS: "500",
      ANALYSIS_LEASE_SECONDS: "2",
      ...extra,
    }),
    token: (identity) => signIdentity(env.MESH_SECRET!, identity, 600),
    async close() {
      for (const part of started.reverse()) await part.stop().catch(() => undefined);
      await db.drop();
    },
  };
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever JSON came back
  body: any;
}

/** A call to a part's HTTP API as `as` (an x-mesh-identity minted with the mesh secret). */
export async function call(
  mesh: Mesh,
  base: string,
  method: string,
  path: string,
  opts: { as?: Identity; body?: unknown; raw?: Buffer; contentType?: string } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  if (opts.as) headers["x-mesh-identity"] = mesh.token(opts.as);
  let payload: string | Buffer | undefined;
  if (opts.raw) {
    payload = opts.raw;
    headers["content-type"] = opts.contentType ?? "application/octet-stream";
  } else if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(`${base}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await sleep(everyMs);
  }
}
