// Each image's entry command, started the way its container starts it: the image root is
// assembled by the same script the Dockerfile runs (build output + a pruned production install
// of only that part's dependencies), the process is exactly the Dockerfile's ENTRYPOINT, in its
// WORKDIR, as uid 1000 on files it cannot write, with the image's ENV and the compose file's
// environment for that service (addresses translated to this machine, a test PostgreSQL and
// Redis). It must answer /health, /health/startup and (kubelet-style) gRPC health, pass the
// image's own HEALTHCHECK command, and exit 0 on SIGTERM.
import assert from "node:assert/strict";
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { createTestDatabase, type TestDatabase } from "@crm/db/testing";
import { environmentOf, generateEnvFile, loadCompose, translateEnv, type ComposeDoc } from "./lib/compose.js";
import { grpcHealth } from "./lib/grpc-health.js";
import { assembleImage, imageRuntime, lockfileAcceptedByNpmCi } from "./lib/images.js";
import { dockerfileOf, loadPart, MIGRATE, PARTS, type PartInfo } from "./lib/parts.js";
import { canRunAsImageUser, freePort, IMAGE_UID, run, startProc, waitForHttp } from "./lib/proc.js";

let compose: ComposeDoc;
let db: TestDatabase;
let lockOk = true;
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

before(async () => {
  compose = loadCompose(generateEnvFile()).doc;
  db = await createTestDatabase();
  lockOk = lockfileAcceptedByNpmCi().ok;
});
after(async () => {
  await db?.drop();
});

test("package-lock.json is accepted by npm ci (every image build starts with it)", () => {
  const { ok, output } = lockfileAcceptedByNpmCi();
  assert.ok(
    ok,
    `npm ci refuses the committed lockfile, so every docker build fails at its first RUN:\n${output}\n` +
      "Regenerate it where the registry has every platform package (npm install --package-lock-only), " +
      "or pin the dependency to a version whose platform packages all exist.",
  );
});

/** Files of the image root that uid 1000 could write (none may exist). */
function assertReadOnlyFor1000(root: string, asImageUser: boolean): void {
  if (asImageUser) {
    const r = run("setpriv", [
      `--reuid=${IMAGE_UID}`,
      `--regid=${IMAGE_UID}`,
      "--clear-groups",
      "sh",
      "-c",
      'test -w "$0"',
      root,
    ]);
    assert.notEqual(r.status, 0, `uid ${IMAGE_UID} must not be able to write ${root}`);
    const entry = statSync(root);
    assert.equal(entry.uid, 0, "image files are root-owned");
  } else {
    chmodSync(root, 0o555);
  }
}

function assertProductionOnly(root: string, info: { pkg: string }): void {
  const lock = JSON.parse(readFileSync(path.join(root, "node_modules", ".package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  const dev = Object.entries(lock.packages)
    .filter(([, p]) => p.dev)
    .map(([k]) => k);
  assert.deepEqual(dev, [], `${info.pkg}: the image has no dev dependencies`);
  for (const tool of ["turbo", "prettier"])
    assert.ok(
      !existsSync(path.join(root, "node_modules", tool)),
      `${info.pkg}: ${tool} (a dev tool) is not in the image`,
    );
  const manifest = JSON.parse(readFileSync(path.join(root, ".image.json"), "utf8")) as { workspaces: string[] };
  const linked = readdirSync(path.join(root, "node_modules", "@crm")).map((n) => `@crm/${n}`);
  assert.deepEqual(linked.sort(), [...manifest.workspaces].sort(), `${info.pkg}: only its own workspace packages`);
}

async function localPorts(): Promise<Map<string, { http: number; grpc?: number }>> {
  const ports = new Map<string, { http: number; grpc?: number }>();
  for (const p of PARTS)
    ports.set(p.name, { http: await freePort(), ...(p.grpcPort ? { grpc: await freePort() } : {}) });
  return ports;
}

async function startImage(info: PartInfo, t: { diagnostic(msg: string): void }) {
  const root = assembleImage(info.dir, info.name, !lockOk);
  if (!lockOk) t.diagnostic("lockfile repaired for this run only (see the npm ci test)");
  const runAs = canRunAsImageUser([root, path.join(root, info.dir, "dist", "main.js"), process.execPath]);
  if (!runAs.ok)
    t.diagnostic(`not switching to uid ${IMAGE_UID}: ${runAs.why}; the image root is made read-only instead`);
  assertProductionOnly(root, info);
  assertReadOnlyFor1000(root, runAs.ok);

  const runtime = imageRuntime(dockerfileOf(info), root);
  const ports = await localPorts();
  const service = compose.services[info.name];
  assert.ok(service, `compose has a service ${info.name}`);
  const env = {
    ...runtime.env,
    ...translateEnv(environmentOf(service), info, {
      ports,
      databaseUrl: db.url,
      redisUrl,
      redisKeyPrefix: `crm-deploy-${randomBytes(4).toString("hex")}:`,
    }),
  };
  const proc = startProc({ name: info.name, argv: runtime.argv, cwd: runtime.workdir, env, asImageUser: runAs.ok });
  return { proc, env, runtime, ports: ports.get(info.name)!, runAs: runAs.ok, root };
}

for (const info of PARTS) {
  test(`image entry of ${info.name} starts as its container does, answers its probes, exits 0 on SIGTERM`, async (t) => {
    const loaded = await loadPart(info);
    if (!loaded.ok) {
      t.diagnostic(`SKIPPED ${info.name}: ${loaded.reason}`);
      t.skip(loaded.reason);
      return;
    }
    const { proc, env, runtime, ports, runAs, root } = await startImage(info, t);
    try {
      assert.equal(env.BIND_HOST, "0.0.0.0", "the image binds all interfaces");
      assert.equal(env.PROTO_DIR, path.join(root, "proto"), "PROTO_DIR points into the image");
      await waitForHttp(`http://127.0.0.1:${ports.http}/health`, { proc, timeoutMs: 40_000 });
      await waitForHttp(`http://127.0.0.1:${ports.http}/health/startup`, { proc, timeoutMs: 10_000 });
      if (info.grpcPort) {
        assert.equal(await grpcHealth(`127.0.0.1:${ports.grpc}`), "SERVING", "grpc.health.v1 (kubelet grpc probe)");
      }
      // The image's own HEALTHCHECK, run inside "the container" (same env, same user).
      assert.ok(runtime.healthcheck, "the image has a HEALTHCHECK command");
      const [cmd, ...args] = runtime.healthcheck;
      const hc = run(
        runAs ? "setpriv" : process.execPath,
        runAs
          ? [`--reuid=${IMAGE_UID}`, `--regid=${IMAGE_UID}`, "--clear-groups", "--", process.execPath, ...args]
          : args,
        { cwd: runtime.workdir, env: { PATH: process.env.PATH, ...env } },
      );
      assert.equal(cmd, "node");
      assert.equal(hc.status, 0, `HEALTHCHECK exits 0 (${hc.stderr})`);
    } catch (err) {
      await proc.stop("SIGKILL");
      throw err;
    }
    const exit = await proc.stop("SIGTERM");
    assert.deepEqual(exit, { code: 0, signal: null }, `SIGTERM → exit 0:\n${proc.lines.slice(-15).join("\n")}`);
    assert.ok(
      proc.lines.some((l) => l.includes('"stopped"')),
      "the part logged its graceful stop",
    );
    assert.deepEqual(proc.errors(), [], "no error logs");
  });
}

test("migration image: migrates an empty database as uid 1000, and a second run finds nothing to do", async (t) => {
  const root = assembleImage(MIGRATE.dir, MIGRATE.name, !lockOk);
  const runAs = canRunAsImageUser([root, process.execPath]);
  if (!runAs.ok) t.diagnostic(`not switching to uid ${IMAGE_UID}: ${runAs.why}`);
  assertReadOnlyFor1000(root, runAs.ok);
  const runtime = imageRuntime(MIGRATE.dockerfile, root);
  const empty = await createTestDatabase({ migrate: false });
  try {
    const service = compose.services.migrate;
    assert.ok(service, "compose has a migrate service");
    const env = {
      ...runtime.env,
      ...translateEnv(environmentOf(service), undefined, {
        ports: new Map(),
        databaseUrl: empty.url,
        redisUrl,
        redisKeyPrefix: "unused:",
      }),
    };
    for (const round of [1, 2]) {
      const proc = startProc({ name: "migrate", argv: runtime.argv, cwd: runtime.workdir, env, asImageUser: runAs.ok });
      const exit = await proc.exited;
      assert.deepEqual(exit, { code: 0, signal: null }, `migrate run ${round} exits 0:\n${proc.lines.join("\n")}`);
      const finished = proc.lines
        .map((l) => JSON.parse(l) as { msg: string; applied?: string[] })
        .find((l) => l.msg === "migrate finished");
      assert.ok(finished, "migrate finished");
      if (round === 1) assert.ok((finished.applied ?? []).length > 0, "the first run applies the migrations");
      else assert.deepEqual(finished.applied, [], "the second run applies nothing");
    }
  } finally {
    await empty.drop();
  }
});
