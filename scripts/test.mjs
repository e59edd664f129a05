#!/usr/bin/env node
// `npm test`: lint + format check, then every test file of every workspace with node's test
// runner against real PostgreSQL and Redis. Runs after scripts/setup.mjs (npm's pretest).
//   --suite all (default) | unit (per-part tests) | deploy | journeys | faults | security
//   --no-lint   skip eslint/prettier (quick local runs)
// PostgreSQL: TEST_DATABASE_URL, else 127.0.0.1:5432, else an embedded server started here.
// Redis: TEST_REDIS_URL, else 127.0.0.1:6379, else a redis-server started here (if installed).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import net from "node:net";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: { suite: { type: "string", default: "all" }, "no-lint": { type: "boolean", default: false } },
});
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function reachable(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => (s.destroy(), resolve(true)));
    s.on("error", () => resolve(false));
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
  });
}

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out;
}

const workspaces = [
  ...readdirSync(join(root, "packages")).map((d) => join(root, "packages", d)),
  join(root, "gateway"),
  ...(existsSync(join(root, "services"))
    ? readdirSync(join(root, "services")).map((d) => join(root, "services", d))
    : []),
];
const unit = workspaces.flatMap((w) => walk(join(w, "dist")));
const suiteFiles = (name) => walk(join(root, "tests", "dist", name));
// Deployment checks (images, compose, Kubernetes, nginx, smoke run) and the bench harness run
// once per CI run, not again in the Node 24 pass of the per-part suites.
const deploy = [...walk(join(root, "deploy", "dist")), ...walk(join(root, "bench", "dist"))];
const files = {
  unit,
  deploy,
  journeys: suiteFiles("journeys"),
  faults: suiteFiles("faults"),
  security: suiteFiles("security"),
  all: [...unit, ...deploy, ...suiteFiles("journeys"), ...suiteFiles("faults"), ...suiteFiles("security")],
}[values.suite];
if (!files) {
  process.stderr.write(`unknown suite ${values.suite}\n`);
  process.exit(2);
}

if (!values["no-lint"] && values.suite === "all") {
  run(join(root, "node_modules", ".bin", "turbo"), ["run", "lint", "--output-logs=errors-only"]);
  run(join(root, "node_modules", ".bin", "prettier"), ["--check", "--log-level=warn", "."]);
}

const cleanups = [];
if (!env.TEST_DATABASE_URL && !(await reachable(5432))) {
  const { startEmbeddedPostgres } = await import("@crm/db");
  const pg = await startEmbeddedPostgres({ dataDir: join(root, ".data", "test-postgres"), port: 54330 });
  env.TEST_DATABASE_URL = pg.url;
  cleanups.push(() => pg.stop());
  process.stdout.write(`test: started embedded PostgreSQL for this run\n`);
}
if (!env.TEST_REDIS_URL && !(await reachable(6379))) {
  const child = spawn("redis-server", ["--port", "6391", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  child.on("error", () => {
    process.stderr.write(
      "test: no Redis at 127.0.0.1:6379 and redis-server is not installed (apt-get install redis-server)\n",
    );
    process.exit(1);
  });
  env.TEST_REDIS_URL = "redis://127.0.0.1:6391";
  cleanups.push(async () => void child.kill());
  for (let i = 0; i < 50 && !(await reachable(6391)); i++) await new Promise((r) => setTimeout(r, 100));
}

process.stdout.write(`test: ${files.length} test files (${values.suite})\n`);
const concurrency = process.env.TEST_CONCURRENCY ?? "2";
const result = spawnSync(
  process.execPath,
  ["--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files.map((f) => relative(root, f))],
  { cwd: root, stdio: "inherit", env },
);
for (const cleanup of cleanups) await cleanup();
process.exit(result.status ?? 1);
