#!/usr/bin/env node
// Runs before `npm start` and `npm test` (npm's prestart/pretest): everything a fresh clone
// needs, idempotent and quick when nothing changed. No dependencies: it runs before they exist.
//   1. Node version check.   2. `npm ci` when node_modules is missing or older than the lockfile.
//   3. Build every workspace with Turborepo (cached; the db package's prebuild generates the Prisma client).
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`CodeReview Mesh needs Node.js >= 20.19 (this is ${process.versions.node}).\n`);
  process.exit(1);
}

function run(cmd, args, extraEnv = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...extraEnv } });
  if (result.status !== 0) {
    process.stderr.write(`setup: \`${cmd} ${args.join(" ")}\` failed (exit ${result.status ?? result.signal})\n`);
    process.exit(result.status ?? 1);
  }
}

const installed = join(root, "node_modules", ".package-lock.json");
const lock = join(root, "package-lock.json");
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  process.stdout.write("setup: installing dependencies from the lockfile (npm ci)\n");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
}

const quiet = process.env.CI ? [] : ["--output-logs=errors-only"];
run(join(root, "node_modules", ".bin", "turbo"), ["run", "build", ...quiet], {
  TURBO_TELEMETRY_DISABLED: "1",
  DO_NOT_TRACK: "1",
});
