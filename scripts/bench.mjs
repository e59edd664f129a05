#!/usr/bin/env node
// `npm run bench [-- --short] [--only overhead,grpc,failfast,throughput,footprint] [--loadgen wrk|autocannon]`
// Brings the workspace up to date first, as `npm start` and `npm test` do (scripts/setup.mjs: npm ci
// when needed, a cached Turborepo build of every part the bench starts), then runs bench/dist/main.js
// with the remaining arguments. `--no-build` skips the setup step. See bench/README.md.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
if (!args.includes("--no-build")) {
  const setup = spawnSync(process.execPath, [join(root, "scripts", "setup.mjs")], { cwd: root, stdio: "inherit" });
  if (setup.status !== 0) process.exit(setup.status ?? 1);
}
const run = spawnSync(
  process.execPath,
  [join(root, "bench", "dist", "main.js"), ...args.filter((a) => a !== "--no-build")],
  {
    cwd: root,
    stdio: "inherit",
  },
);
process.exit(run.status ?? 1);
