import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import os from "node:os";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { ensureDatabase, migrate, startEmbeddedPostgres, withDatabase } from "@crm/db";
import { createRedis, MEMORY_REDIS_URL, type Logger } from "@crm/kit";
import { ADDRESSES, type PartName } from "./registry.js";

export interface PreparedEnvironment {
  env: Record<string, string>;
  /** Stops what this launcher started (embedded Postgres, local redis-server). */
  cleanup(): Promise<void>;
}

export interface PrepareOptions {
  dataDir: string;
  /** One process per part: an in-process store cannot be shared, so Redis is required. */
  split: boolean;
  parts: readonly PartName[];
  logger: Logger;
  base?: NodeJS.ProcessEnv;
}

/** Secrets a local platform needs; generated once and kept in the data directory (mode 600). */
async function localSecrets(dataDir: string): Promise<Record<string, string>> {
  const file = path.join(dataDir, "secrets.json");
  if (existsSync(file)) return JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
  const secrets = {
    MESH_SECRET: randomBytes(32).toString("hex"),
    PROVIDER_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    PROVIDER_ACTIVE_KEY_ID: "k1",
  };
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/**
 * Embedded PostgreSQL keeps its data in <dataDir>/postgres. Run as root, the server runs as the
 * `postgres` user, which cannot enter a checkout under a private home (e.g. /root): then the
 * data goes to a per-checkout folder under the system temp dir instead, with a warning.
 */
async function startLocalPostgres(dataDir: string, port: number, log: Logger) {
  const options = { port, log: log.child({ component: "embedded-postgres" }) };
  try {
    return await startEmbeddedPostgres({ ...options, dataDir: path.join(dataDir, "postgres") });
  } catch (err) {
    if (!/cannot enter/.test((err as Error).message)) throw err;
    const fallback = path.join(
      os.tmpdir(),
      `codereview-mesh-${createHash("sha256").update(dataDir).digest("hex").slice(0, 12)}`,
      "postgres",
    );
    log.warn(
      { dataDir: fallback },
      "the data directory is not reachable by the postgres user; keeping PostgreSQL data in the temp dir",
    );
    await mkdir(path.dirname(fallback), { recursive: true, mode: 0o755 });
    return startEmbeddedPostgres({ ...options, dataDir: fallback });
  }
}

function onPath(binary: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" }).status === 0;
}

async function startLocalRedis(
  dataDir: string,
  port: number,
  logger: Logger,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dataDir],
    {
      stdio: "ignore",
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    try {
      const redis = await createRedis({
        url,
        keyPrefix: "",
        logger: logger.child({ component: "redis-probe" }, { level: "fatal" }),
      });
      await redis.ping();
      redis.disconnect();
      return { url, child };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill();
  throw new Error(`redis-server did not start on port ${port}`);
}

/**
 * The environment every part runs with on a laptop: given variables win; what is missing gets
 * a local default (embedded PostgreSQL, a local or in-process Redis, generated secrets, the
 * conventional ports and peer addresses).
 */
export async function prepareEnvironment(opts: PrepareOptions): Promise<PreparedEnvironment> {
  const base = opts.base ?? process.env;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  const stops: (() => Promise<void>)[] = [];
  const log = opts.logger;
  await mkdir(opts.dataDir, { recursive: true });

  for (const [k, v] of Object.entries(await localSecrets(opts.dataDir))) env[k] ??= v;
  // Refuse a combination that cannot work before starting anything.
  if (opts.split && env.REDIS_URL === MEMORY_REDIS_URL) {
    throw new Error("REDIS_URL=memory:// cannot be shared between processes: split mode needs a real Redis");
  }

  if (!env.DATABASE_URL) {
    const pg = await startLocalPostgres(opts.dataDir, Number(env.EMBEDDED_POSTGRES_PORT ?? 54329), log);
    stops.push(() => pg.stop());
    env.DATABASE_URL = withDatabase(pg.url, "codereview");
    log.info({ port: Number(env.EMBEDDED_POSTGRES_PORT ?? 54329) }, "embedded PostgreSQL started");
  }
  await ensureDatabase(env.DATABASE_URL);
  const { applied } = await migrate({ databaseUrl: env.DATABASE_URL, log: log.child({ component: "migrate" }) });
  if (applied.length) log.info({ applied }, "migrations applied");

  if (!env.REDIS_URL) {
    if (onPath("redis-server")) {
      const redis = await startLocalRedis(opts.dataDir, Number(env.LOCAL_REDIS_PORT ?? 6390), log);
      stops.push(async () => void redis.child.kill("SIGTERM"));
      env.REDIS_URL = redis.url;
      log.info({ url: redis.url }, "local redis-server started");
    } else if (opts.split) {
      throw new Error("Split mode needs Redis shared by all processes: set REDIS_URL or install redis-server");
    } else {
      env.REDIS_URL = MEMORY_REDIS_URL;
      log.warn(
        "no REDIS_URL and no redis-server: using the in-process store (valid only with all parts in one process)",
      );
    }
  }

  for (const name of Object.keys(ADDRESSES) as PartName[]) {
    const a = ADDRESSES[name];
    env[a.httpKey] ??= String(a.http);
    if (a.grpcKey && a.grpc) env[a.grpcKey] ??= String(a.grpc);
    // Peers are addressed only when they run; an absent part's routes then answer 503.
    if (!opts.parts.includes(name) || name === "gateway") continue;
    env[`${a.prefix}_URL`] ??= `http://127.0.0.1:${env[a.httpKey]}`;
    if (a.grpcKey) env[`${a.prefix}_GRPC_ADDR`] ??= `127.0.0.1:${env[a.grpcKey]}`;
  }
  env.GATEWAY_PORT = env.GATEWAY_PORT ?? "8080";
  return {
    env,
    async cleanup() {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}
