import type { ProcessHandle } from "@crm/kit/testing";
import { medianBy, type BenchContext } from "../context.js";
import type { LoadResult } from "../loadgen.js";
import { nginxBinary, nginxVersion, startNginx, type NginxHandle } from "../nginx.js";
import { childPids, cpuMs, pidsByName, serverEntry, startServer } from "../procs.js";
import type { Rig } from "../rig.js";
import { fmt, type Table } from "../table.js";
import { BENCH_ROUTE } from "../upstream-part.js";

export type RowKey = "direct" | "nginx" | "bare" | "express" | "peer" | "gateway" | "gateway-nolimit";

/**
 * CPU time each process spent per request during a measured run (µs, from /proc): less sensitive
 * to a busy machine than requests/s, since it counts work, not waiting.
 */
export interface CpuPerRequest {
  proxyUs?: number;
  upstreamUs: number;
  redisUs?: number;
}

export type RowRun = LoadResult & { cpu: CpuPerRequest };

export interface OverheadRow {
  key: RowKey;
  label: string;
  /** The median round by requests/s, when the row ran. */
  result?: RowRun;
  rounds?: RowRun[];
  skipped?: string;
}

export interface OverheadResult {
  rows: OverheadRow[];
  ratios: {
    gatewayOverBare?: number;
    gatewayOverPeer?: number;
    gatewayP99OverBareP99?: number;
    /** Gateway CPU per request ÷ bare proxy CPU per request. */
    gatewayCpuOverBareCpu?: number;
  };
  targets: { gatewayOverBare: number; gatewayOverPeer: number; gatewayP99OverBareP99: number };
  pass: { gatewayOverBare?: boolean; gatewayOverPeer?: boolean; gatewayP99OverBareP99?: boolean };
}

export const TARGETS = { gatewayOverBare: 0.5, gatewayOverPeer: 0.7, gatewayP99OverBareP99: 2 };

interface Target {
  key: RowKey;
  label: string;
  url?: string;
  headers?: Record<string, string>;
  skipped?: string;
  /** The proxy's processes (none for the direct row). */
  pids?: () => number[];
}

const sumCpu = (pids: number[]) => pids.reduce((s, pid) => s + cpuMs(pid), 0);

/** Runs the rows (all, or `only`), interleaved over ctx.rounds; each row reports its median round. */
export async function runOverhead(ctx: BenchContext, rig: Rig, only?: RowKey[]): Promise<OverheadResult> {
  const want = (k: RowKey) => (only ? only.includes(k) : k !== "gateway-nolimit" || !ctx.short);
  const identity = { "x-mesh-identity": rig.identity };
  const upstreamUrl = `http://127.0.0.1:${rig.upstream.port}`;
  const children: ProcessHandle[] = [];
  let nginx: NginxHandle | undefined;
  const targets: Target[] = [];
  const bearer: Record<string, string> = rig.token ? { authorization: `Bearer ${rig.token}` } : {};
  try {
    if (want("direct"))
      targets.push({
        key: "direct",
        label: "direct to the service",
        url: `${upstreamUrl}${BENCH_ROUTE}`,
        headers: identity,
      });
    if (want("nginx")) {
      const bin = nginxBinary();
      if (!bin) targets.push({ key: "nginx", label: "nginx → service", skipped: "nginx is not installed" });
      else {
        const n = await startNginx(bin, rig.upstream.port);
        nginx = n;
        targets.push({
          key: "nginx",
          label: `${nginxVersion(bin)} (1 worker) → service`,
          url: `http://127.0.0.1:${n.port}${BENCH_ROUTE}`,
          headers: identity,
          pids: () => [n.child.pid!, ...childPids(n.child.pid!)],
        });
      }
    }
    const proxy = async (key: RowKey, entry: string, label: string) => {
      if (!want(key)) return;
      const s = await startServer(serverEntry(entry), entry, { UPSTREAM_URL: upstreamUrl, PORT: "0" });
      children.push(s);
      targets.push({
        key,
        label,
        url: `http://127.0.0.1:${s.port}${BENCH_ROUTE}`,
        headers: identity,
        pids: () => [s.child.pid!],
      });
    };
    await proxy("bare", "bare-proxy", "bare Node http proxy (keep-alive agent)");
    await proxy("express", "express-proxy", "express + http-proxy-middleware (defaults)");
    await proxy("peer", "fastify-proxy", "peer gateway: fastify + @fastify/http-proxy");
    if (want("gateway")) {
      const g = rig.gateway;
      if (g && rig.token)
        targets.push({
          key: "gateway",
          label: "our gateway (JWT, rate limit, request id, breaker, logs)",
          url: `http://127.0.0.1:${g.port}${BENCH_ROUTE}`,
          headers: bearer,
          pids: () => [g.child.pid!],
        });
      else targets.push({ key: "gateway", label: "our gateway", skipped: rig.gatewayMissing ?? "not available" });
    }
    // Diagnostic (full mode, or asked for): the same gateway with its Redis rate limit switched off.
    if (want("gateway-nolimit") && rig.startGateway && rig.token) {
      const g = await rig.startGateway({ RATE_LIMIT_ENABLED: "false" });
      children.push(g);
      targets.push({
        key: "gateway-nolimit",
        label: "diagnostic: our gateway, RATE_LIMIT_ENABLED=false",
        url: `http://127.0.0.1:${g.port}${BENCH_ROUTE}`,
        headers: bearer,
        pids: () => [g.child.pid!],
      });
    }

    // Every row must answer the real route before it is measured.
    for (const t of targets) {
      if (!t.url) continue;
      const res = await fetch(t.url, { headers: t.headers });
      const text = await res.text();
      if (res.status !== 200 || !text.includes('"bench"')) {
        t.skipped = `sanity check failed: HTTP ${res.status} ${text.slice(0, 120)}`;
        ctx.log(`${t.label}: ${t.skipped}`);
      }
    }

    const redisPids = pidsByName(/^redis-server .*:6379\b/);
    const runs = new Map<RowKey, RowRun[]>();
    for (let round = 0; round < ctx.rounds; round++) {
      for (const t of targets) {
        if (!t.url || t.skipped) continue;
        const load = { url: t.url, headers: t.headers ?? {}, connections: ctx.connections };
        if (ctx.warmupSec > 0) await ctx.gen.run({ ...load, durationSec: ctx.warmupSec });
        const pids = t.pids?.() ?? [];
        const upstreamPid = rig.upstream.child.pid!;
        const before = { proxy: sumCpu(pids), upstream: cpuMs(upstreamPid), redis: sumCpu(redisPids) };
        const r = await ctx.gen.run({ ...load, durationSec: ctx.measureSec });
        const perReq = (ms: number) => (r.requests > 0 ? (ms * 1000) / r.requests : NaN);
        const cpu: CpuPerRequest = { upstreamUs: perReq(cpuMs(upstreamPid) - before.upstream) };
        if (pids.length) cpu.proxyUs = perReq(sumCpu(pids) - before.proxy);
        if (redisPids.length) cpu.redisUs = perReq(sumCpu(redisPids) - before.redis);
        ctx.log(
          `round ${round + 1}/${ctx.rounds} ${t.key}: ${fmt.int(r.rps)} req/s, p50 ${fmt.ms(r.p50Ms)} ms, p99 ${fmt.ms(r.p99Ms)} ms` +
            `, CPU/req: proxy ${fmt.int(cpu.proxyUs)} µs, upstream ${fmt.int(cpu.upstreamUs)} µs, redis ${fmt.int(cpu.redisUs)} µs` +
            (r.non2xx || r.errors ? `, ${r.non2xx} non-2xx, ${r.errors} errors` : ""),
        );
        runs.set(t.key, [...(runs.get(t.key) ?? []), { ...r, cpu }]);
        if (t.key === "gateway") rig.lastGatewayLoadAt = performance.now();
      }
    }
    const rows: OverheadRow[] = targets.map((t) => {
      const rounds = runs.get(t.key);
      const row: OverheadRow = { key: t.key, label: t.label };
      if (rounds?.length) {
        row.rounds = rounds;
        row.result = medianBy(rounds, (r) => r.rps);
      } else row.skipped = t.skipped ?? "not run";
      return row;
    });
    const get = (k: RowKey) => rows.find((r) => r.key === k)?.result;
    const gw = get("gateway");
    const bare = get("bare");
    const peer = get("peer");
    const ratios: OverheadResult["ratios"] = {};
    if (gw && bare) ratios.gatewayOverBare = gw.rps / bare.rps;
    if (gw && peer) ratios.gatewayOverPeer = gw.rps / peer.rps;
    if (gw && bare) ratios.gatewayP99OverBareP99 = gw.p99Ms / bare.p99Ms;
    if (gw?.cpu.proxyUs && bare?.cpu.proxyUs) ratios.gatewayCpuOverBareCpu = gw.cpu.proxyUs / bare.cpu.proxyUs;
    const pass: OverheadResult["pass"] = {};
    if (ratios.gatewayOverBare !== undefined) pass.gatewayOverBare = ratios.gatewayOverBare >= TARGETS.gatewayOverBare;
    if (ratios.gatewayOverPeer !== undefined) pass.gatewayOverPeer = ratios.gatewayOverPeer >= TARGETS.gatewayOverPeer;
    if (ratios.gatewayP99OverBareP99 !== undefined)
      pass.gatewayP99OverBareP99 = ratios.gatewayP99OverBareP99 <= TARGETS.gatewayP99OverBareP99;
    return { rows, ratios, targets: TARGETS, pass };
  } finally {
    await Promise.allSettled([...children.map((c) => c.stop("SIGTERM", 5000)), nginx?.stop()]);
  }
}

export function overheadTables(
  r: OverheadResult,
  ctx: { connections: number; measureSec: number; rounds: number },
): Table[] {
  const direct = r.rows.find((x) => x.key === "direct")?.result;
  const rows = r.rows.map((row) =>
    row.result
      ? [
          row.label,
          fmt.int(row.result.rps),
          fmt.ms(row.result.p50Ms),
          fmt.ms(row.result.p99Ms),
          direct ? fmt.ratio(row.result.rps / direct.rps) : "—",
          fmt.int(row.result.cpu.proxyUs),
          row.key.startsWith("gateway") ? fmt.int(row.result.cpu.redisUs) : "",
          String(row.result.non2xx + row.result.errors),
        ]
      : [row.label, "skipped", "", "", "", "", "", row.skipped ?? ""],
  );
  const verdict = (ok: boolean | undefined) => (ok === undefined ? "n/a" : ok ? "met" : "MISSED");
  return [
    {
      title: `1. Gateway overhead: authenticated GET ${BENCH_ROUTE}, ${ctx.connections} connections, ${ctx.measureSec} s × ${ctx.rounds} round(s), median round`,
      columns: [
        "row",
        "req/s",
        "p50 ms",
        "p99 ms",
        "× direct",
        "proxy CPU µs/req",
        "Redis CPU µs/req",
        "non-2xx+errors",
      ],
      rows,
      notes: [
        "CPU µs/req: user+system time of the proxy's process(es) (Redis: the local redis-server) during the measured run ÷ requests, from /proc",
      ],
    },
    {
      title: "   Gateway ratios against the targets",
      columns: ["ratio", "measured", "target", "verdict"],
      rows: [
        [
          "gateway / bare Node proxy (req/s)",
          fmt.ratio(r.ratios.gatewayOverBare),
          `≥ ${r.targets.gatewayOverBare}×`,
          verdict(r.pass.gatewayOverBare),
        ],
        [
          "gateway / peer gateway (req/s)",
          fmt.ratio(r.ratios.gatewayOverPeer),
          `≥ ${r.targets.gatewayOverPeer}×`,
          verdict(r.pass.gatewayOverPeer),
        ],
        [
          "gateway p99 / bare proxy p99",
          fmt.ratio(r.ratios.gatewayP99OverBareP99),
          `≤ ${r.targets.gatewayP99OverBareP99}×`,
          verdict(r.pass.gatewayP99OverBareP99),
        ],
        ["gateway CPU/req ÷ bare proxy CPU/req (no target)", fmt.ratio(r.ratios.gatewayCpuOverBareCpu), "", ""],
      ],
    },
  ];
}
