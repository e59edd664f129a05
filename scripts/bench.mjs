#!/usr/bin/env node
// `npm run bench [-- --short] [--only overhead,grpc,failfast,throughput,footprint] [--loadgen wrk|autocannon]`
// Brings what the bench runs up to date first (npm ci when node_modules is missing or older than the
// lockfile; a cached Turborepo build of the bench, the platform and every part), then runs
// bench/dist/main.js with the remaining arguments. A part that fails to build is reported and the
// bench runs with what built (its rows say "not available"). `--no-build` skips both steps.
// See bench/README.md.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const entry = join(root, "bench", "dist", "main.js");

if (!args.includes("--no-build")) {
  const installed = join(root, "node_modules", ".package-lock.json");
  if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(root, "package-lock.json")).mtimeMs) {
    process.stderr.write("bench: installing dependencies from the lockfile (npm ci)\n");
    const ci = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
    if (ci.status !== 0) process.exit(ci.status ?? 1);
  }
  const filters = ["@crm/bench...", "@crm/platform...", "@crm/gateway...", "./services/*"].map((f) => `--filter=${f}`);
  const build = spawnSync(
    join(root, "node_modules", ".bin", "turbo"),
    ["run", "build", "--continue", "--output-logs=errors-only", ...filters],
    { cwd: root, stdio: "inherit", env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" } },
  );
  if (build.status !== 0) {
    if (!existsSync(entry)) process.exit(build.status ?? 1);
    process.stderr.write("bench: some packages failed to build (above); running with what is built\n");
  }
}
const run = spawnSync(process.execPath, [entry, ...args.filter((a) => a !== "--no-build")], {
  cwd: root,
  stdio: "inherit",
});
process.exit(run.status ?? 1);
