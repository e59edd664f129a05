#!/usr/bin/env node
// Writes an env file for docker-compose.services.yml from .env.example, filling every empty
// secret with a fresh random value. Never overwrites an existing file.
//   node deploy/scripts/gen-env.mjs .env           (or `-` for stdout)
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const target = process.argv[2];
if (!target) {
  process.stderr.write("usage: gen-env.mjs <file|->\n");
  process.exit(2);
}
if (target !== "-" && existsSync(target)) {
  process.stderr.write(`gen-env: ${target} exists; not overwriting it\n`);
  process.exit(1);
}

const generators = {
  POSTGRES_PASSWORD: () => randomBytes(24).toString("hex"),
  REDIS_PASSWORD: () => randomBytes(24).toString("hex"),
  MESH_SECRET: () => randomBytes(32).toString("hex"),
  PROVIDER_KEYS: () => `k1:${randomBytes(32).toString("base64")}`,
  PROVIDER_ACTIVE_KEY_ID: () => "k1",
};

const lines = readFileSync(path.join(root, ".env.example"), "utf8")
  .split("\n")
  .map((line) => {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m || m[2] !== "" || !generators[m[1]]) return line;
    return `${m[1]}=${generators[m[1]]()}`;
  });
const text = lines.join("\n");
if (target === "-") process.stdout.write(text);
else writeFileSync(target, text, { mode: 0o600 });
