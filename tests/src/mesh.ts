import { mkdtemp } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@crm/db/testing";
import { createLogger } from "@crm/kit";
import { startProcess, testEnv, type ProcessHandle } from "@crm/kit/testing";
import { ADDRESSES, loadParts, prepareEnvironment, type PartName } from "@crm/platform";

/**
 * The mesh as the system suites see it: every part its own OS process (as in containers), on
 * free ports, against a fresh database and a private Redis key prefix. Parts can be killed and
 * restarted one by one.
 */
export interface Mesh {
  url: string;
  env: Record<string, string>;
  procs: Map<PartName, ProcessHandle>;
  /** Every log line every part wrote, across restarts. */
  logs(): string[];
  start(part: PartName): Promise<ProcessHandle>;
  kill(part: PartName, signal?: NodeJS.Signals): Promise<number | null>;
  stop(): Promise<void>;
}

export const ADMIN = { email: "admin@mesh.test", password: "Bootstrap-Secret-For-Tests-42!" };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface MeshOptions {
  parts?: PartName[];
  env?: Record<string, string>;
  /** PostgreSQL server to create the test database on (default: TEST_DATABASE_URL or local). */
  serverUrl?: string;
}

export async function startMesh(options: MeshOptions = {}): Promise<Mesh> {
  const wanted = options.parts ?? (Object.keys(ADDRESSES) as PartName[]);
  const loaded = await loadParts(wanted, () => undefined);
  const db: TestDatabase = await createTestDatabase(options.serverUrl ? { serverUrl: options.serverUrl } : {});
  const base: Record<string, string> = {
    ...testEnv(),
    DATABASE_URL: db.url,
    BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: "info",
    ...options.env,
  };
  for (const a of Object.values(ADDRESSES)) {
    base[a.httpKey] ??= String(await freePort());
    if (a.grpcKey) base[a.grpcKey] ??= String(await freePort());
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "crm-mesh-"));
  const logger = createLogger({ name: "mesh-test", level: "silent" });
  const { env } = await prepareEnvironment({ dataDir, split: true, parts: loaded.map((p) => p.name), logger, base });
  env.PATH = process.env.PATH ?? "";
  const procs = new Map<PartName, ProcessHandle>();
  const history: ProcessHandle[] = [];
  const start = async (name: PartName) => {
    const part = loaded.find((p) => p.name === name);
    if (!part) throw new Error(`part ${name} is not built`);
    const handle = await startProcess({ args: [part.main], env, parts: [name], timeoutMs: 60_000 });
    procs.set(name, handle);
    history.push(handle);
    return handle;
  };
  // Peers first, gateway last, as the registry orders them.
  for (const part of loaded) await start(part.name);
  return {
    url: `http://127.0.0.1:${env.GATEWAY_PORT}`,
    env,
    procs,
    logs: () => history.flatMap((h) => h.lines),
    start,
    async kill(name, signal = "SIGKILL") {
      const handle = procs.get(name);
      return handle ? handle.stop(signal) : null;
    },
    async stop() {
      await Promise.all([...procs.values()].map((p) => p.stop("SIGTERM")));
      await db.drop();
    },
  };
}

/** JSON over fetch with the usual headers; returns status, headers and parsed body. */
export async function api(
  base: string,
  method: string,
  route: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { items?: Record<string, unknown>[] };
}> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers["content-type"] ??= "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(`${base}${route}`, {
    method,
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { text };
  }
  return { status: res.status, headers: res.headers, body };
}

/** Registers and logs in a fresh user; returns its tokens and id. */
export async function newUser(base: string, tag = Math.random().toString(36).slice(2, 8)) {
  const email = `user-${tag}@mesh.test`;
  const password = `Correct-horse-${Math.random().toString(36).slice(2, 8)}-battery`;
  const reg = await api(base, "POST", "/api/v1/auth/register", { body: { email, password, name: `User ${tag}` } });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  const login = await api(base, "POST", "/api/v1/auth/login", { body: { email, password } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return {
    id: String(reg.body.id),
    email,
    password,
    accessToken: String(login.body.accessToken),
    refreshToken: String(login.body.refreshToken),
  };
}
