import { randomBytes } from "node:crypto";
import path from "node:path";
import assert from "node:assert/strict";
import { createTestDatabase, type TestDatabase } from "@crm/db/testing";
import { dependsOn, environmentOf, generateEnvFile, loadCompose, translateEnv, type ComposeDoc } from "./compose.js";
import { imageRuntime } from "./images.js";
import { dockerfileOf, MIGRATE, PARTS, partByName, repoPath, repoRoot, type PartInfo } from "./parts.js";
import { canRunAsImageUser, freePort, startProc, waitForHttp, type Proc } from "./proc.js";

export interface Mesh {
  compose: ComposeDoc;
  db: TestDatabase;
  procs: Map<string, Proc>;
  ports: Map<string, { http: number; grpc?: number }>;
  gatewayUrl: string;
  /** The translated compose environment of the nginx service (upstream → this gateway). */
  nginxVars: Record<string, string>;
  asImageUser: boolean;
  /** SIGTERM to every part, callers first; returns each exit. */
  stop(): Promise<Map<string, { code: number | null; signal: NodeJS.Signals | null }>>;
}

/** Compose start order: a service after everything it depends on. */
export function startOrder(compose: ComposeDoc, names: string[]): string[] {
  const order: string[] = [];
  const visit = (n: string) => {
    if (order.includes(n) || !names.includes(n)) return;
    for (const d of Object.keys(dependsOn(compose.services[n] ?? {}))) visit(d);
    order.push(n);
  };
  for (const n of names) visit(n);
  return order;
}

/**
 * Parts started as separate processes from the repository's build, the way their containers
 * start (the Dockerfile's ENTRYPOINT argv and ENV, the compose service's environment with
 * addresses translated to 127.0.0.1 and free ports), as uid 1000 when the test can, after the
 * migration image's entry migrated a fresh database. Each part must answer /health before the
 * next one starts (compose's service_healthy).
 */
export async function startMesh(
  names: string[],
  opts: { redisUrl?: string; extraEnv?: Record<string, Record<string, string>> } = {},
): Promise<Mesh> {
  const compose = loadCompose(generateEnvFile()).doc;
  const db = await createTestDatabase({ migrate: false });
  const procs = new Map<string, Proc>();
  const ports = new Map<string, { http: number; grpc?: number }>();
  for (const p of PARTS)
    ports.set(p.name, { http: await freePort(), ...(p.grpcPort ? { grpc: await freePort() } : {}) });
  const t = {
    ports,
    databaseUrl: db.url,
    redisUrl: opts.redisUrl ?? process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
    redisKeyPrefix: `crm-smoke-${randomBytes(4).toString("hex")}:`,
  };
  const asImageUser = canRunAsImageUser([repoRoot, repoPath("packages/kit/dist/index.js"), process.execPath]).ok;
  const fromImage = (dockerfile: string) => imageRuntime(dockerfile, repoRoot);

  const mesh: Mesh = {
    compose,
    db,
    procs,
    ports,
    gatewayUrl: `http://127.0.0.1:${ports.get("gateway")!.http}`,
    nginxVars: translateEnv(environmentOf(compose.services.nginx ?? {}), undefined, t),
    asImageUser,
    async stop() {
      const exits = new Map<string, { code: number | null; signal: NodeJS.Signals | null }>();
      for (const name of [...procs.keys()].reverse()) exits.set(name, await procs.get(name)!.stop("SIGTERM"));
      await db.drop();
      return exits;
    },
  };

  try {
    // The one-shot migration, as compose runs it before anything with data starts.
    const migrate = fromImage(MIGRATE.dockerfile);
    const m = startProc({
      name: "migrate",
      argv: migrate.argv,
      cwd: path.resolve(migrate.workdir),
      env: { ...migrate.env, ...translateEnv(environmentOf(compose.services.migrate!), undefined, t) },
      asImageUser,
    });
    const exit = await m.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, `migrate:\n${m.lines.join("\n")}`);

    for (const name of startOrder(compose, names)) {
      const info: PartInfo = partByName(name);
      const runtime = fromImage(dockerfileOf(info));
      const env = {
        ...runtime.env,
        ...translateEnv(environmentOf(compose.services[name]!), info, t),
        ...(opts.extraEnv?.[name] ?? {}),
      };
      const proc = startProc({ name, argv: runtime.argv, cwd: path.resolve(runtime.workdir), env, asImageUser });
      procs.set(name, proc);
      await waitForHttp(`http://127.0.0.1:${ports.get(name)!.http}/health`, { proc, timeoutMs: 40_000 });
    }
  } catch (err) {
    for (const p of procs.values()) await p.stop("SIGKILL");
    await db.drop();
    throw err;
  }
  return mesh;
}
