#!/usr/bin/env node
import path from "node:path";
import { parseArgs } from "node:util";
import { createLogger, runParts } from "@crm/kit";
import { prepareEnvironment } from "./environment.js";
import { loadParts, PARTS, type PartName } from "./registry.js";
import { runSplit } from "./split.js";
import { waitUntilReady } from "./ready.js";

/**
 * `npm start`: the whole mesh from source. `--target=all` (default) or a comma list of parts;
 * `--split` runs each part in its own process instead of one process for all.
 */
const { values } = parseArgs({
  options: {
    target: { type: "string", default: process.env.TARGET ?? "all" },
    split: { type: "boolean", default: process.env.SPLIT === "true" },
    "data-dir": { type: "string", default: process.env.DATA_DIR ?? path.resolve(".data") },
  },
});
const logger = createLogger({ name: "platform", level: process.env.LOG_LEVEL ?? "info" });
const all = PARTS.map((p) => p.name);
const wanted = values.target === "all" ? all : (values.target.split(",").map((s) => s.trim()) as PartName[]);
const unknown = wanted.filter((n) => !all.includes(n));
if (unknown.length) {
  process.stderr.write(`Unknown part(s): ${unknown.join(", ")}. Parts: ${all.join(", ")}\n`);
  process.exit(1);
}

// Until the parts take over signal handling, Ctrl-C during preparation (embedded PostgreSQL
// starting, migrations) is remembered and honoured once cleanup is possible.
let interrupted = false;
const remember = () => void (interrupted = true);
process.on("SIGINT", remember).on("SIGTERM", remember);

try {
  const parts = await loadParts(wanted, (msg) => logger.warn(msg));
  const { env, cleanup } = await prepareEnvironment({
    dataDir: values["data-dir"],
    split: values.split,
    parts: parts.map((p) => p.name),
    logger,
  });
  // The launcher migrates once; parts started by it need not.
  env.MIGRATE_ON_START = "false";
  process.off("SIGINT", remember).off("SIGTERM", remember);
  if (interrupted) {
    await cleanup();
    process.exit(0);
  }
  if (values.split) await runSplit(parts, env, logger, cleanup);
  else
    await runParts(
      parts.map((p) => p.module),
      { env, afterStop: cleanup },
    );
  if (parts.some((p) => p.name === "gateway")) {
    const url = `http://127.0.0.1:${env.GATEWAY_PORT}`;
    await waitUntilReady(`${url}/health/startup`);
    logger.info(
      { url, docs: `${url}/api/docs`, parts: parts.map((p) => p.name), split: values.split },
      "platform ready",
    );
    process.stdout.write(
      `\nCodeReview Mesh is ready at ${url}  (API docs: ${url}/api/docs). Press Ctrl-C to stop.\n\n`,
    );
  }
} catch (err) {
  process.stderr.write(`platform failed to start: ${(err as Error).message}\n`);
  process.exit(1);
}
