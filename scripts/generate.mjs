#!/usr/bin/env node
// Generates the Prisma client (packages/db/src/generated/prisma) from the prisma/schema folder.
//
// Why a wrapper instead of plain `prisma generate`: Prisma 7's CLI tries to download the
// schema-engine binary before generating, which fails offline. Generation itself does not use
// that engine (it runs on WebAssembly), and the CLI skips the download when
// PRISMA_SCHEMA_ENGINE_BINARY names an existing file, so we point it at this script.
// Usage: node scripts/generate.mjs   (exit code is prisma's; non-zero on any failure)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
const root = dirname(dirname(self));
const bin = join(root, "node_modules", ".bin", process.platform === "win32" ? "prisma.cmd" : "prisma");

if (!existsSync(bin)) {
  process.stderr.write(`generate: ${bin} not found; run \`npm install\` first\n`);
  process.exit(1);
}

const result = spawnSync(bin, ["generate"], {
  cwd: root, // prisma.config.ts at the repo root supplies the schema folder
  stdio: ["ignore", "inherit", "inherit"],
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? self,
    // No update checks or telemetry pings: there is no internet here or in CI.
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
  shell: process.platform === "win32",
});

if (result.error) {
  process.stderr.write(`generate: could not run prisma: ${result.error.message}\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
