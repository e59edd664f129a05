import { spawn } from "node:child_process";
import { medianBy, type BenchContext } from "../context.js";
import { cpuMs, serverEntry } from "../procs.js";
import type { Rig } from "../rig.js";
import { fmt, type Table } from "../table.js";

export interface GrpcRun {
  mode: "kit" | "bare";
  calls: number;
  errors: number;
  durationSec: number;
  cps: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU the driver process spent per call (µs): what the client side costs. */
  clientCpuUsPerCall: number;
  /** CPU the kit server process spent per call (µs). */
  serverCpuUsPerCall: number;
}

export interface GrpcResult {
  concurrency: number;
  kit: GrpcRun;
  bare: GrpcRun;
  rounds: { kit: GrpcRun[]; bare: GrpcRun[] };
  /** (bare − kit) / bare calls/s, in %. */
  overheadPct: number;
  target: { overheadPctMax: number };
  pass: boolean;
}

/** One driver process; the server's CPU is read when the driver starts and stops measuring. */
function drive(ctx: BenchContext, rig: Rig, mode: "kit" | "bare"): Promise<GrpcRun> {
  const serverPid = rig.upstream.child.pid!;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [serverEntry("grpc-load")], {
      env: {
        PATH: process.env.PATH,
        GRPC_ADDR: `127.0.0.1:${rig.upstreamGrpcPort}`,
        MESH_SECRET: rig.env.MESH_SECRET,
        MESH_IDENTITY: rig.identity,
        MODE: mode,
        CONCURRENCY: String(ctx.connections),
        WARMUP_MS: String(Math.max(500, ctx.warmupSec * 1000)),
        DURATION_MS: String(ctx.measureSec * 1000),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let serverCpu = { start: NaN, end: NaN };
    child.stdout.on("data", (c: Buffer) => {
      const text = c.toString();
      if (text.includes("measuring\n")) serverCpu = { ...serverCpu, start: cpuMs(serverPid) };
      if (text.includes("measured\n")) serverCpu = { ...serverCpu, end: cpuMs(serverPid) };
      out += text;
    });
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.once("exit", (code) => {
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        const run = JSON.parse(out.trim().split("\n").pop()!) as Omit<GrpcRun, "serverCpuUsPerCall">;
        resolve({ ...run, serverCpuUsPerCall: ((serverCpu.end - serverCpu.start) * 1000) / run.calls });
      } catch (e) {
        reject(new Error(`gRPC driver (${mode}) failed: ${(e as Error).message}\n${err}${out}`));
      }
    });
  });
}

export async function runGrpc(ctx: BenchContext, rig: Rig): Promise<GrpcResult> {
  const kit: GrpcRun[] = [];
  const bare: GrpcRun[] = [];
  for (let round = 0; round < ctx.rounds; round++) {
    // Alternate which goes first so drift on a shared machine does not favour one.
    const order: ("kit" | "bare")[] = round % 2 === 0 ? ["bare", "kit"] : ["kit", "bare"];
    for (const mode of order) {
      const r = await drive(ctx, rig, mode);
      (mode === "kit" ? kit : bare).push(r);
      ctx.log(
        `round ${round + 1}/${ctx.rounds} gRPC ${mode}: ${fmt.int(r.cps)} calls/s, p50 ${fmt.ms(r.p50Ms)} ms, p99 ${fmt.ms(r.p99Ms)} ms, CPU/call client ${fmt.int(r.clientCpuUsPerCall)} µs, server ${fmt.int(r.serverCpuUsPerCall)} µs${r.errors ? `, ${r.errors} errors` : ""}`,
      );
    }
  }
  const k = medianBy(kit, (r) => r.cps);
  const b = medianBy(bare, (r) => r.cps);
  const overheadPct = ((b.cps - k.cps) / b.cps) * 100;
  return {
    concurrency: ctx.connections,
    kit: k,
    bare: b,
    rounds: { kit, bare },
    overheadPct,
    target: { overheadPctMax: 10 },
    pass: overheadPct <= 10,
  };
}

export function grpcTable(r: GrpcResult, measureSec: number): Table {
  return {
    title: `2. gRPC unary Echo to a kit server, ${r.concurrency} concurrent calls, ${measureSec} s, median round`,
    columns: ["client", "calls/s", "p50 ms", "p99 ms", "client CPU µs/call", "server CPU µs/call", "errors"],
    rows: (["bare", "kit"] as const).map((k) => [
      k === "bare" ? "bare grpc-js (identity metadata only)" : "kit client (breaker, deadline, request id, identity)",
      fmt.int(r[k].cps),
      fmt.ms(r[k].p50Ms),
      fmt.ms(r[k].p99Ms),
      fmt.int(r[k].clientCpuUsPerCall),
      fmt.int(r[k].serverCpuUsPerCall),
      r[k].errors,
    ]),
    notes: [
      `kit overhead: ${fmt.pct(r.overheadPct)} calls/s lost (target ≤ ${r.target.overheadPctMax}%): ${r.pass ? "met" : "MISSED"}`,
      `client CPU per call: kit ${fmt.ratio(r.kit.clientCpuUsPerCall / r.bare.clientCpuUsPerCall)} bare's`,
    ],
  };
}
