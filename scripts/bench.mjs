#!/usr/bin/env node
// `npm run bench [-- --short]`: builds the bench package (and what it depends on) when its dist is
// missing or stale, then runs bench/dist/main.js with the given arguments. See bench/README.md.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, "bench", "dist", "main.js");

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

const stale = !existsSync(entry) || newest(join(root, "bench", "src")) > statSync(entry).mtimeMs;
if (stale || process.env.BENCH_BUILD === "1") {
  process.stderr.write("bench: building (turbo run build --filter=@crm/bench...)\n");
  const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };
  const build = spawnSync(
    join(root, "node_modules", ".bin", "turbo"),
    ["run", "build", "--filter=@crm/bench...", "--output-logs=errors-only"],
    { cwd: root, stdio: "inherit", env },
  );
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const run = spawnSync(process.execPath, [entry, ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
process.exit(run.status ?? 1);
