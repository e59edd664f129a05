import { createTestDatabase } from "@crm/db/testing";
import type { BenchContext } from "../context.js";
import type { LoadResult } from "../loadgen.js";
import { findPart } from "../parts.js";
import { launchPlatform, type Platform } from "../platform.js";
import { sleep } from "../procs.js";
import { fmt, type Table } from "../table.js";

export interface FootprintRun {
  mode: "all-in-one" | "split";
  parts: string[];
  readyMs: number;
  idleRss: number;
  loadPeakRss: number;
  idleByProcess: { name: string; rss: number }[];
  peakByProcess: { name: string; rss: number }[];
  load: LoadResult;
  loadRoute: string;
}

export interface FootprintResult {
  runs: FootprintRun[];
}

const LOAD_ROUTE = "/api/v1/auth/me";

async function measure(ctx: BenchContext, p: Platform): Promise<FootprintRun> {
  const token = await p.login();
  await sleep(ctx.short ? 1500 : 5000);
  const idle = p.processes();
  const peak = new Map<string, number>();
  let peakTotal = 0;
  const sampler = setInterval(() => {
    const now = p.processes();
    peakTotal = Math.max(
      peakTotal,
      now.reduce((s, x) => s + x.rss, 0),
    );
    for (const x of now) peak.set(x.name, Math.max(peak.get(x.name) ?? 0, x.rss));
  }, 100);
  let load: LoadResult;
  try {
    load = await ctx.gen.run({
      url: `${p.url}${LOAD_ROUTE}`,
      headers: { authorization: `Bearer ${token}` },
      connections: ctx.connections,
      durationSec: ctx.measureSec,
    });
  } finally {
    clearInterval(sampler);
  }
  return {
    mode: p.split ? "split" : "all-in-one",
    parts: p.parts,
    readyMs: p.readyMs,
    idleRss: idle.reduce((s, x) => s + x.rss, 0),
    loadPeakRss: peakTotal,
    idleByProcess: idle.map(({ name, rss }) => ({ name, rss })),
    peakByProcess: [...peak].map(([name, rss]) => ({ name, rss })),
    load,
    loadRoute: LOAD_ROUTE,
  };
}

export async function runFootprint(ctx: BenchContext): Promise<FootprintResult | { skipped: string }> {
  if (!(await findPart("@crm/gateway"))) return { skipped: "not available (@crm/gateway is not built)" };
  const runs: FootprintRun[] = [];
  for (const split of [false, true]) {
    const db = await createTestDatabase();
    let p: Platform | undefined;
    try {
      p = await launchPlatform({ split, databaseUrl: db.url });
      ctx.log(`platform${split ? " --split" : ""} ready in ${fmt.int(p.readyMs)} ms (${p.parts.join(", ")})`);
      const run = await measure(ctx, p);
      ctx.log(
        `${run.mode}: idle ${fmt.mb(run.idleRss)}, under load ${fmt.mb(run.loadPeakRss)} (${fmt.int(run.load.rps)} req/s on ${run.loadRoute})`,
      );
      runs.push(run);
    } finally {
      await p?.stop();
      await db.drop().catch(() => undefined);
    }
  }
  return { runs };
}

export function footprintTable(r: FootprintResult | { skipped: string }, connections: number): Table {
  if ("skipped" in r) return { title: "5. Footprint", columns: ["mode", "value"], rows: [["—", r.skipped]] };
  const split = r.runs.find((x) => x.mode === "split");
  return {
    title: `5. Footprint: \`node packages/platform/dist/main.js\` (RSS from /proc; load = GET /api/v1/auth/me, ${connections} connections)`,
    columns: ["mode", "launch → /health/startup 200", "RSS idle", "RSS peak under load", "req/s under load"],
    rows: r.runs.map((x) => [
      x.mode === "split" ? `split (${x.idleByProcess.length} processes, sum)` : "all-in-one (1 process)",
      `${fmt.int(x.readyMs)} ms`,
      fmt.mb(x.idleRss),
      fmt.mb(x.loadPeakRss),
      fmt.int(x.load.rps),
    ]),
    notes: [
      `parts: ${r.runs[0]?.parts.join(", ") ?? "—"}`,
      ...(split
        ? [`split idle per process: ${split.idleByProcess.map((p) => `${p.name} ${fmt.mb(p.rss)}`).join(", ")}`]
        : []),
    ],
  };
}
