#!/usr/bin/env node
// A workspace's `npm test` (and `turbo run test`): node's test runner over every compiled
// dist/**/*.test.js of the current package. Files are listed explicitly because Node 20 does
// not expand globs and Node 22+ no longer treats a directory argument as a folder of tests.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out;
}

const files = walk("dist");
if (files.length === 0) {
  process.stderr.write("node-test: no dist/**/*.test.js here; build first\n");
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...process.argv.slice(2), ...files], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
