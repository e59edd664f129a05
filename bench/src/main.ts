#!/usr/bin/env node
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { BenchContext } from "./context.js";
import { loadGenerator } from "./loadgen.js";
import { describeMachine, machineInfo } from "./machine.js";
import { runningPlatforms } from "./platform.js";
import { startRig, type Rig } from "./rig.js";
import { failFastTable, runFailFast } from "./sections/failfast.js";
import { footprintTable, runFootprint } from "./sections/footprint.js";
import { grpcTable, runGrpc } from "./sections/grpc.js";
import { overheadTables, runOverhead } from "./sections/overhead.js";
import { runThroughput, throughputTable } from "./sections/throughput.js";
import { renderMarkdown, renderText, type Table } from "./table.js";

/**
 * `npm run bench [-- --short] [--only overhead,grpc,failfast,throughput,footprint] [--loadgen wrk|autocannon]`
 * Every server is its own process, the load generator too; loopback only; every run bounded in time.
 * Prints the tables, writes bench/results/latest.json (+ a timestamped copy) and latest.md
 * (`--short` writes latest-short.*, so a CI run never replaces the full figures).
 */
const SECTIONS = ["overhead", "grpc", "failfast", "throughput", "footprint"] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    short: { type: "boolean", default: false },
    only: { type: "string" },
    loadgen: { type: "string" },
    connections: { type: "string", default: "50" },
    out: { type: "string", default: fileURLToPath(new URL("../results/", import.meta.url)) },
    "no-write": { type: "boolean", default: false },
  },
});
const only = new Set((values.only?.split(",").map((s) => s.trim()) ?? SECTIONS) as Section[]);
for (const s of only)
  if (!SECTIONS.includes(s)) {
    process.stderr.write(`unknown section ${s}; sections: ${SECTIONS.join(", ")}\n`);
    process.exit(2);
  }

const started = Date.now();
const ctx: BenchContext = {
  short: values.short,
  gen: loadGenerator(values.loadgen),
  connections: Number(values.connections),
  warmupSec: values.short ? 1 : 2,
  measureSec: values.short ? 3 : 8,
  rounds: values.short ? 1 : 3,
  log: (m) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${m}\n`),
};
const machine = machineInfo();
ctx.log(`${describeMachine(machine)}; load generator ${ctx.gen.version}`);

const results: Record<string, unknown> = {};
const tables: Table[] = [];
let rig: Rig | undefined;
let failed = false;
const stopRig = async () => {
  const r = rig;
  rig = undefined;
  await r?.stop();
};
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    void Promise.allSettled([stopRig(), ...[...runningPlatforms].map((stop) => stop())]).finally(() =>
      process.exit(130),
    );
  });

async function section<T>(name: Section, run: () => Promise<T>, table: (r: T) => Table | Table[]): Promise<void> {
  if (!only.has(name)) return;
  ctx.log(`— ${name}`);
  try {
    const r = await run();
    results[name] = r;
    tables.push(...[table(r)].flat());
  } catch (err) {
    failed = true;
    const message = (err as Error).stack ?? String(err);
    ctx.log(`${name} failed: ${message}`);
    results[name] = { error: (err as Error).message };
    tables.push({
      title: `${name}: FAILED`,
      columns: ["error"],
      rows: [[(err as Error).message.split("\n")[0] ?? ""]],
    });
  }
}

try {
  if (only.has("overhead") || only.has("grpc") || only.has("failfast")) {
    try {
      rig = await startRig(ctx.log, only.has("overhead") || only.has("failfast"));
    } catch (err) {
      // Sections 1–3 cannot run; 4 and 5 still can.
      for (const name of ["overhead", "grpc", "failfast"] as const)
        if (only.has(name))
          await section(
            name,
            () => Promise.reject(err as Error),
            () => [],
          );
    }
  }
  if (rig) {
    const r = rig;
    await section(
      "overhead",
      () => runOverhead(ctx, r),
      (x) => overheadTables(x, ctx),
    );
    await section(
      "grpc",
      () => runGrpc(ctx, r),
      (x) => grpcTable(x, ctx.measureSec),
    );
    await section(
      "failfast",
      () => runFailFast(ctx, r),
      (x) => failFastTable(x, ctx.connections),
    );
    await stopRig();
  }
  await section("throughput", () => runThroughput(ctx), throughputTable);
  await section(
    "footprint",
    () => runFootprint(ctx),
    (x) => footprintTable(x, ctx.connections),
  );
} finally {
  await stopRig();
}

const header = `CodeReview Mesh bench (${values.short ? "short" : "full"} mode), ${describeMachine(machine)}; load generator: ${ctx.gen.version}, ${ctx.connections} connections, loopback, every server and the generator in its own process.`;
process.stdout.write(`\n${header}\n\n${tables.map(renderText).join("\n\n")}\n\n`);

const report = {
  mode: values.short ? "short" : "full",
  machine,
  loadGenerator: { name: ctx.gen.name, version: ctx.gen.version, connections: ctx.connections },
  settings: { warmupSec: ctx.warmupSec, measureSec: ctx.measureSec, rounds: ctx.rounds },
  durationSec: Math.round((Date.now() - started) / 1000),
  loadAverageAtEnd: os.loadavg().map((x) => Number(x.toFixed(2))),
  results,
};
if (!values["no-write"]) {
  const dir = values.out;
  mkdirSync(dir, { recursive: true });
  const base = values.short ? "latest-short" : "latest";
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(`${dir}/${base}.json`, json);
  writeFileSync(`${dir}/${machine.date.replace(/[:.]/g, "-")}${values.short ? "-short" : ""}.json`, json);
  const md = [`### Bench (${report.mode} mode)`, "", header, "", ...tables.map((t) => `${renderMarkdown(t)}\n`)].join(
    "\n",
  );
  writeFileSync(`${dir}/${base}.md`, md);
  ctx.log(`wrote ${dir}${base}.json and ${base}.md (${report.durationSec} s)`);
}
process.exit(failed ? 1 : 0);
