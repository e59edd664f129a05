import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

/**
 * The load generator, always a separate OS process so it never shares an event loop with a server:
 * `wrk` (C, from Debian) when it is on PATH, otherwise autocannon's CLI. One run of the bench uses
 * one generator for every row.
 */
export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  durationSec: number;
  /** Count responses per status code (slower generator; for the fail-fast rows). */
  statuses?: boolean;
}

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  /** Socket-level failures (connect, read, write, timeouts). */
  errors: number;
  /** Responses outside 2xx/3xx. */
  non2xx: number;
  durationSec: number;
  statuses?: Record<string, number>;
}

export interface LoadGenerator {
  name: "wrk" | "autocannon";
  version: string;
  run(options: LoadOptions): Promise<LoadResult>;
}

function collect(
  cmd: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

const WRK_SCRIPT = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
COUNT_HOOK
function done(summary, latency, requests)
  local e = summary.errors
  local parts = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then for code, n in pairs(s) do table.insert(parts, string.format('"%d":%d', code, n)) end end
  end
  io.write(string.format('\\nWRK_JSON {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"statuses":{%s}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, table.concat(parts, ",")))
end
`;
const COUNT_HOOK = `function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end`;

function wrk(): LoadGenerator {
  const dir = mkdtempSync(path.join(os.tmpdir(), "crm-bench-wrk-"));
  const plain = path.join(dir, "plain.lua");
  const counting = path.join(dir, "counting.lua");
  writeFileSync(plain, WRK_SCRIPT.replace("COUNT_HOOK", ""));
  writeFileSync(counting, WRK_SCRIPT.replace("COUNT_HOOK", COUNT_HOOK));
  const version = (spawnSync("wrk", ["-v"], { encoding: "utf8" }).stdout ?? "").split("\n")[0]?.split(" [")[0] ?? "wrk";
  return {
    name: "wrk",
    version,
    async run(o) {
      const threads = Math.min(os.cpus().length, o.connections);
      const args = [`-t${threads}`, `-c${o.connections}`, `-d${o.durationSec}s`, "--timeout", "5s"];
      args.push("-s", o.statuses ? counting : plain);
      for (const [k, v] of Object.entries(o.headers ?? {})) args.push("-H", `${k}: ${v}`);
      args.push(o.url);
      const { out, err } = await collect("wrk", args, (o.durationSec + 30) * 1000);
      const line = out.split("\n").find((l) => l.startsWith("WRK_JSON "));
      if (!line) throw new Error(`wrk gave no result for ${o.url}: ${err || out}`);
      const r = JSON.parse(line.slice(9)) as Record<string, number> & { statuses: Record<string, number> };
      const durationSec = r.durationUs! / 1e6;
      const result: LoadResult = {
        rps: r.requests! / durationSec,
        p50Ms: r.p50! / 1000,
        p90Ms: r.p90! / 1000,
        p99Ms: r.p99! / 1000,
        maxMs: r.max! / 1000,
        requests: r.requests!,
        errors: r.connect! + r.read! + r.write! + r.timeout!,
        non2xx: r.status!,
        durationSec,
      };
      if (o.statuses) result.statuses = r.statuses;
      return result;
    },
  };
}

function autocannon(): LoadGenerator {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve("autocannon/package.json");
  const cli = path.join(path.dirname(pkgPath), "autocannon.js");
  const version = `autocannon ${(require(pkgPath) as { version: string }).version}`;
  return {
    name: "autocannon",
    version,
    async run(o) {
      const args = [cli, "-c", String(o.connections), "-d", String(o.durationSec), "-t", "5", "-j"];
      for (const [k, v] of Object.entries(o.headers ?? {})) args.push("-H", `${k}=${v}`);
      args.push(o.url);
      const { out, err } = await collect(process.execPath, args, (o.durationSec + 30) * 1000);
      let r: {
        requests: { total: number };
        latency: { p50: number; p90: number; p99: number; max: number };
        errors: number;
        timeouts: number;
        non2xx: number;
        duration: number;
        statusCodeStats?: Record<string, { count: number }>;
      };
      try {
        r = JSON.parse(out.trim().split("\n").pop() ?? "") as typeof r;
      } catch {
        throw new Error(`autocannon gave no result for ${o.url}: ${err || out}`);
      }
      const result: LoadResult = {
        rps: r.requests.total / r.duration,
        p50Ms: r.latency.p50,
        p90Ms: r.latency.p90,
        p99Ms: r.latency.p99,
        maxMs: r.latency.max,
        requests: r.requests.total,
        errors: r.errors + r.timeouts,
        non2xx: r.non2xx,
        durationSec: r.duration,
      };
      if (o.statuses && r.statusCodeStats)
        result.statuses = Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count]));
      return result;
    },
  };
}

export function wrkAvailable(): boolean {
  return spawnSync("sh", ["-c", "command -v wrk"], { stdio: "ignore" }).status === 0;
}

/** `preferred` (or env BENCH_LOADGEN): "wrk" | "autocannon"; default wrk when installed. */
export function loadGenerator(preferred = process.env.BENCH_LOADGEN): LoadGenerator {
  if (preferred === "autocannon") return autocannon();
  if (preferred === "wrk" && !wrkAvailable()) throw new Error("BENCH_LOADGEN=wrk but wrk is not installed");
  return wrkAvailable() ? wrk() : autocannon();
}
