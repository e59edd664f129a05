#!/usr/bin/env node
// Writes every image's Dockerfile from deploy/src/lib/dockerfiles.ts (`--check`: only report drift).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { renderAll } from "../lib/dockerfiles.js";
import { repoPath } from "../lib/parts.js";

const check = process.argv.includes("--check");
let drift = 0;
for (const [rel, text] of renderAll()) {
  const file = repoPath(rel);
  let current: string | undefined;
  try {
    current = readFileSync(file, "utf8");
  } catch {
    current = undefined;
  }
  if (current === text) continue;
  drift++;
  if (check) {
    process.stderr.write(`${rel} is not what deploy/src/lib/dockerfiles.ts renders\n`);
    continue;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  process.stdout.write(`wrote ${rel}\n`);
}
process.exitCode = check && drift ? 1 : 0;
