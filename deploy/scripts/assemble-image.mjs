#!/usr/bin/env node
// Assembles the root filesystem (/app) of one part's container image from a built checkout:
//   node deploy/scripts/assemble-image.mjs <part dir> <out dir> [--prefer-offline] [--repair-lock] [--cache]
// e.g. `node deploy/scripts/assemble-image.mjs services/auth /image`.
//
// The Dockerfiles run exactly this in their build stage, and the deployment tests run it too
// and start the image's entry command from the result, so what the tests start is what ships.
// What goes in:
//   - package.json and package-lock.json of the workspace root (the lockfile pins every version);
//   - the part and every workspace package it depends on (transitively, production dependencies
//     only): package.json + dist/ without tests, source maps kept for stack traces;
//   - proto/ (PROTO_DIR) and, when @crm/db is among them, prisma/migrations (the migrator);
//   - node_modules from `npm ci --omit=dev --workspace <pkg> --include-workspace-root=false`:
//     only this part's production dependencies, install scripts off (nothing needs them at
//     runtime; Prisma 7 runs without a native engine).
// No dependencies: it runs right after `npm ci` in the image build and in tests.
// --repair-lock (tests only, never in a Dockerfile): drops optional dependencies the lockfile
// names but does not contain (platform packages an npm mirror lacked when the lock was written),
// which `npm ci` otherwise refuses; the tests report separately that the lockfile needs fixing.
// --cache (tests): keep the node_modules of a previous run into the same out dir when the
// lockfile and manifests are unchanged (like Docker's layer cache); everything else is redone.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith("--")));
if (args.length !== 2) {
  process.stderr.write(
    "usage: assemble-image.mjs <part dir, e.g. services/auth> <out dir> [--prefer-offline] [--repair-lock]\n",
  );
  process.exit(2);
}
const [partDir, outArg] = args;
const out = path.resolve(outArg);
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));

/** Workspace folders from the root package.json (`dir` or `dir/*` entries). */
function workspaces() {
  const dirs = [];
  for (const pattern of readJson(path.join(root, "package.json")).workspaces ?? []) {
    if (pattern.endsWith("/*")) {
      const base = pattern.slice(0, -2);
      if (!existsSync(path.join(root, base))) continue;
      for (const name of readdirSync(path.join(root, base)).sort())
        if (existsSync(path.join(root, base, name, "package.json"))) dirs.push(`${base}/${name}`);
    } else if (existsSync(path.join(root, pattern, "package.json"))) dirs.push(pattern);
  }
  return dirs;
}

const all = new Map(workspaces().map((dir) => [readJson(path.join(root, dir, "package.json")).name, dir]));
const part = readJson(path.join(root, partDir, "package.json"));
if (all.get(part.name) !== partDir) {
  process.stderr.write(`assemble-image: ${partDir} is not a workspace of the root package.json\n`);
  process.exit(2);
}

// The part and the workspace packages it needs at runtime (production dependencies only).
const closure = [];
const queue = [part.name];
while (queue.length) {
  const name = queue.shift();
  if (closure.includes(name)) continue;
  closure.push(name);
  const deps = readJson(path.join(root, all.get(name), "package.json")).dependencies ?? {};
  for (const dep of Object.keys(deps)) if (all.has(dep)) queue.push(dep);
}

// node_modules folders npm ci writes: the root one and those of the workspaces it installs.
const installDirs = ["", ...closure.map((name) => all.get(name))].map((d) => path.join(d, "node_modules"));
const kept = `${out}.kept-node-modules`;
rmSync(kept, { recursive: true, force: true });
let previousKey;
if (flags.has("--cache") && existsSync(path.join(out, ".install-key"))) {
  previousKey = readFileSync(path.join(out, ".install-key"), "utf8");
  for (const d of installDirs) {
    if (!existsSync(path.join(out, d))) continue;
    mkdirSync(path.dirname(path.join(kept, d)), { recursive: true });
    renameSync(path.join(out, d), path.join(kept, d));
  }
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(path.join(root, "package.json"), path.join(out, "package.json"));
cpSync(path.join(root, "package-lock.json"), path.join(out, "package-lock.json"));
if (flags.has("--repair-lock")) {
  const lock = readJson(path.join(out, "package-lock.json"));
  const dropped = [];
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
      const nested = `${key ? `${key}/` : ""}node_modules/${dep}`;
      if (!lock.packages[nested] && !lock.packages[`node_modules/${dep}`]) {
        delete entry.optionalDependencies[dep];
        dropped.push(dep);
      }
    }
  }
  if (dropped.length) {
    process.stderr.write(
      `assemble-image: --repair-lock dropped optional dependencies missing from the lockfile: ${dropped.join(", ")}\n`,
    );
    writeFileSync(path.join(out, "package-lock.json"), `${JSON.stringify(lock, null, 2)}\n`);
  }
}
// npm ci checks the lockfile against every workspace's manifest, so all manifests go in for the
// install; the ones this part does not use are removed again afterwards.
for (const dir of all.values()) {
  mkdirSync(path.join(out, dir), { recursive: true });
  cpSync(path.join(root, dir, "package.json"), path.join(out, dir, "package.json"));
}

// A workspace's devDependencies on other workspaces (test-only peers) are not dev-omitted by
// `npm ci --omit=dev` (npm links workspaces regardless), which would drag a peer's production
// dependencies into this image. Drop those edges from the copied manifests and the lockfile's
// workspace entries alike (the install stays in sync; --omit=dev would drop them anyway).
{
  const lockFile = path.join(out, "package-lock.json");
  const lock = readJson(lockFile);
  let changed = false;
  for (const dir of all.values()) {
    const manifestFile = path.join(out, dir, "package.json");
    const manifest = readJson(manifestFile);
    for (const target of [manifest, lock.packages?.[dir]]) {
      for (const dep of Object.keys(target?.devDependencies ?? {})) {
        if (!all.has(dep)) continue;
        delete target.devDependencies[dep];
        changed = true;
      }
    }
    writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  }
  if (changed) writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
}

const isTestFile = (p) => /\.test\.(js|d\.ts|js\.map|d\.ts\.map)$/.test(p) || /[\\/]test[\\/]/.test(p);
for (const name of closure) {
  const dir = all.get(name);
  const dist = path.join(root, dir, "dist");
  if (!existsSync(dist)) {
    process.stderr.write(
      `assemble-image: ${dir}/dist is missing; build first (npx turbo run build --filter=${part.name}...)\n`,
    );
    process.exit(1);
  }
  cpSync(dist, path.join(out, dir, "dist"), {
    recursive: true,
    filter: (src) => !isTestFile(path.relative(dist, src)) && !src.endsWith(".tsbuildinfo"),
  });
}
cpSync(path.join(root, "proto"), path.join(out, "proto"), { recursive: true });
if (closure.includes("@crm/db")) {
  cpSync(path.join(root, "prisma", "migrations"), path.join(out, "prisma", "migrations"), { recursive: true });
}

const npmArgs = [
  "ci",
  "--omit=dev",
  `--workspace=${part.name}`,
  "--include-workspace-root=false",
  "--ignore-scripts",
  "--no-audit",
  "--no-fund",
  "--loglevel=error",
];
if (flags.has("--prefer-offline")) npmArgs.push("--prefer-offline");
const hash = createHash("sha256").update(npmArgs.join(" "));
hash.update(readFileSync(path.join(out, "package-lock.json")));
for (const dir of [...all.values()].sort()) hash.update(dir).update(readFileSync(path.join(out, dir, "package.json")));
const installKey = hash.digest("hex");
if (previousKey === installKey) {
  for (const d of installDirs) if (existsSync(path.join(kept, d))) renameSync(path.join(kept, d), path.join(out, d));
  process.stdout.write("assemble-image: lockfile and manifests unchanged, kept the previous production install\n");
} else {
  const npm = spawnSync("npm", npmArgs, {
    cwd: out,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NODE_ENV: "production", npm_config_update_notifier: "false" },
  });
  if (npm.status !== 0) {
    process.stderr.write(`assemble-image: npm ${npmArgs.join(" ")} failed (exit ${npm.status ?? npm.signal})\n`);
    process.exit(1);
  }
}
rmSync(kept, { recursive: true, force: true });
if (flags.has("--cache")) writeFileSync(path.join(out, ".install-key"), installKey);

// Manifests of workspaces this part does not use are not part of the image.
for (const [name, dir] of all) {
  if (closure.includes(name)) continue;
  rmSync(path.join(out, dir), { recursive: true, force: true });
  let parent = path.dirname(path.join(out, dir));
  while (parent !== out && readdirSync(parent).length === 0) {
    rmSync(parent, { recursive: true });
    parent = path.dirname(parent);
  }
}
const manifest = {
  part: part.name,
  dir: partDir,
  workspaces: closure,
  entry: `${partDir}/dist/main.js`,
};
writeFileSync(path.join(out, ".image.json"), `${JSON.stringify(manifest, null, 2)}\n`);
const size = (p) => {
  const s = lstatSync(p, { throwIfNoEntry: false });
  if (!s || s.isSymbolicLink()) return 0;
  if (!s.isDirectory()) return s.size;
  return readdirSync(p).reduce((n, e) => n + size(path.join(p, e)), 0);
};
process.stdout.write(
  `assemble-image: ${part.name} → ${out} (${closure.join(", ")}; ${Math.round(size(out) / 1048576)} MiB)\n`,
);
