import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { createTestDatabase } from "@crm/db/testing";
import type { BenchContext } from "../context.js";
import { findPart, type PartInfo } from "../parts.js";
import { launchPlatform, type Platform } from "../platform.js";
import { sleep } from "../procs.js";
import { fmt, type Table } from "../table.js";

export interface ThroughputRun {
  concurrency: number;
  jobs: number;
  files: number;
  seconds: number;
  filesPerSec: number;
  statuses: string[];
  findings: number;
  /** Warnings and errors the platform logged during the run, by message (most frequent first). */
  problems: { level: string; service: string; msg: string; count: number }[];
}

export interface ThroughputResult {
  codebase: { name: string; version: string; files: number; bytes: number };
  concurrencyKey: string;
  runs: ThroughputRun[];
  /** files/s at 2 ÷ files/s at 1. */
  scaling?: number;
}

/** A real codebase no one here wrote: a dependency's own source, packed from node_modules. */
export function packDependency(pkg: string): {
  file: string;
  dir: string;
  name: string;
  version: string;
  bytes: number;
} {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve(`${pkg}/package.json`);
  const root = path.dirname(pkgJson);
  const { version } = JSON.parse(readFileSync(pkgJson, "utf8")) as { version: string };
  const dir = mkdtempSync(path.join(os.tmpdir(), "crm-bench-tar-"));
  const file = path.join(dir, `${pkg.replace(/\W/g, "_")}.tar.gz`);
  const r = spawnSync("tar", ["-czf", file, "--exclude=node_modules", "-C", path.dirname(root), path.basename(root)]);
  if (r.status !== 0 || !existsSync(file)) throw new Error(`tar failed: ${r.stderr?.toString()}`);
  return { file, dir, name: pkg, version, bytes: readFileSync(file).length };
}

async function call(
  p: Platform,
  token: string,
  method: string,
  route: string,
  body?: unknown,
  type = "application/json",
) {
  const res = await fetch(`${p.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": type }) },
    body: body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = { text };
  }
  return { status: res.status, body: json };
}

const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

const LEVELS: Record<string, string> = { "40": "warn", "50": "error", "60": "fatal", warn: "warn", error: "error" };

function logProblems(lines: string[]): ThroughputRun["problems"] {
  const counts = new Map<string, ThroughputRun["problems"][number]>();
  for (const line of lines) {
    if (!line.startsWith("{")) continue;
    try {
      const log = JSON.parse(line) as { level?: unknown; service?: string; msg?: string };
      const level = LEVELS[String(log.level)];
      if (!level) continue;
      const key = `${level}|${log.service}|${log.msg}`;
      const entry = counts.get(key) ?? { level, service: log.service ?? "?", msg: log.msg ?? "", count: 0 };
      entry.count++;
      counts.set(key, entry);
    } catch {
      // not a log line
    }
  }
  return [...counts.values()].sort((a, b) => b.count - a.count).slice(0, 10);
}

/** Uploads the tarball into `jobs` projects, starts one static + AI analysis on each at once, waits for all. */
async function oneRun(
  ctx: BenchContext,
  p: Platform,
  token: string,
  tarball: Uint8Array,
  concurrency: number,
  jobs: number,
): Promise<Omit<ThroughputRun, "problems">> {
  const projects: string[] = [];
  for (let i = 0; i < jobs; i++) {
    const created = await call(p, token, "POST", "/api/v1/projects", { name: `bench-${concurrency}-${i}` });
    if (created.status !== 201) throw new Error(`create project: ${created.status} ${JSON.stringify(created.body)}`);
    const id = String(created.body.id);
    const upload = await call(p, token, "POST", `/api/v1/projects/${id}/archive`, tarball, "application/gzip");
    if (upload.status !== 201) throw new Error(`upload archive: ${upload.status} ${JSON.stringify(upload.body)}`);
    projects.push(id);
  }
  const started = performance.now();
  const analyses: string[] = [];
  for (const id of projects) {
    const a = await call(p, token, "POST", `/api/v1/projects/${id}/analyses`, { kinds: ["static", "ai"] });
    if (a.status !== 202) throw new Error(`start analysis: ${a.status} ${JSON.stringify(a.body)}`);
    analyses.push(String(a.body.id));
  }
  const done = new Map<string, Record<string, unknown>>();
  const deadline = Date.now() + (ctx.short ? 120_000 : 600_000);
  while (done.size < analyses.length && Date.now() < deadline) {
    for (const id of analyses) {
      if (done.has(id)) continue;
      const r = await call(p, token, "GET", `/api/v1/analyses/${id}`);
      if (TERMINAL.has(String(r.body.status))) done.set(id, r.body);
    }
    await sleep(100);
  }
  const seconds = (performance.now() - started) / 1000;
  if (done.size < analyses.length) throw new Error(`analyses not finished after ${fmt.int(seconds)} s`);
  const results = [...done.values()];
  const files = results.reduce((s, r) => s + Number((r.progress as { total?: number } | undefined)?.total ?? 0), 0);
  const findings = results.reduce((s, r) => s + Number((r.summary as { total?: number } | undefined)?.total ?? 0), 0);
  return {
    concurrency,
    jobs,
    files,
    seconds,
    filesPerSec: files / seconds,
    statuses: results.map((r) => String(r.status)),
    findings,
  };
}

/** Idle workers poll the queue; the shortest interval keeps job pickup out of the figure. */
function pollFast(analysis: PartInfo): Record<string, string> {
  const schema = (analysis.module.config as Record<string, { safeParse(v: unknown): { success: boolean } }>)
    .ANALYSIS_POLL_INTERVAL_MS;
  return schema?.safeParse("500").success ? { ANALYSIS_POLL_INTERVAL_MS: "500" } : {};
}

export async function runThroughput(
  ctx: BenchContext,
  pkg = "semver",
): Promise<ThroughputResult | { skipped: string }> {
  if (!(await findPart("@crm/gateway"))) return { skipped: "not available (@crm/gateway is not built)" };
  const analysis = await findPart("@crm/analysis");
  if (!analysis) return { skipped: "not available (@crm/analysis is not built yet)" };
  const concurrencyKey = Object.keys(analysis.module.config).find((k) => /CONCURRENCY|WORKERS/.test(k));
  if (!concurrencyKey) return { skipped: "not available (the analysis part has no concurrency setting)" };
  const packed = packDependency(pkg);
  const tarball = new Uint8Array(readFileSync(packed.file));
  const result: ThroughputResult = {
    codebase: { name: packed.name, version: packed.version, files: 0, bytes: packed.bytes },
    concurrencyKey,
    runs: [],
  };
  try {
    for (const concurrency of [1, 2]) {
      const db = await createTestDatabase();
      let p: Platform | undefined;
      try {
        p = await launchPlatform({
          split: true,
          databaseUrl: db.url,
          env: { [concurrencyKey]: String(concurrency), ...pollFast(analysis) },
        });
        const token = await p.login();
        // One unmeasured job first: analyzers load and JIT-warm once per process, and a cold start
        // paid by both jobs at once would be measured as (negative) scaling.
        const warm = await oneRun(ctx, p, token, tarball, concurrency, 1);
        ctx.log(`warm-up job: ${warm.files} files in ${warm.seconds.toFixed(1)} s`);
        const from = p.lines.length;
        const run = {
          ...(await oneRun(ctx, p, token, tarball, concurrency, ctx.short ? 2 : 4)),
          problems: logProblems(p.lines.slice(from)),
        };
        result.codebase.files = run.files / run.jobs;
        ctx.log(
          `analysis ×${concurrency}: ${run.files} files in ${run.seconds.toFixed(1)} s = ${run.filesPerSec.toFixed(1)} files/s (${run.statuses.join(", ")})`,
        );
        result.runs.push(run);
      } finally {
        await p?.stop();
        await db.drop().catch(() => undefined);
      }
    }
  } finally {
    rmSync(packed.dir, { recursive: true, force: true });
  }
  const [one, two] = result.runs;
  if (one && two) result.scaling = two.filesPerSec / one.filesPerSec;
  return result;
}

export function throughputTable(r: ThroughputResult | { skipped: string }): Table {
  if ("skipped" in r)
    return {
      title: "4. Review throughput (static + local AI)",
      columns: ["workers", "files/s"],
      rows: [["—", r.skipped]],
    };
  return {
    title: `4. Review throughput: static + local-AI analysis of ${r.codebase.name}@${r.codebase.version} (${r.codebase.files} files, uploaded as a ${fmt.int(r.codebase.bytes / 1024)} KiB tarball), ${r.runs[0]?.jobs ?? 0} jobs at once`,
    columns: [`workers (${r.concurrencyKey})`, "files", "seconds", "files/s", "findings", "jobs"],
    rows: r.runs.map((x) => [
      String(x.concurrency),
      x.files,
      x.seconds.toFixed(1),
      x.filesPerSec.toFixed(1),
      x.findings,
      x.statuses.join(", "),
    ]),
    notes: [
      `scaling 1 → 2 workers: ${fmt.ratio(r.scaling)}`,
      ...r.runs
        .filter((x) => x.problems.length)
        .map(
          (x) =>
            `logged during ×${x.concurrency}: ${x.problems
              .slice(0, 3)
              .map((p) => `${p.count}× ${p.level} ${p.service}: ${p.msg}`)
              .join("; ")}`,
        ),
    ],
  };
}
