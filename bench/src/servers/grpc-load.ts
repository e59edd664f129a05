#!/usr/bin/env node
import * as grpc from "@grpc/grpc-js";
import {
  Breaker,
  createGrpcClient,
  createLogger,
  createMetrics,
  loadProto,
  runWithContext,
  serviceDefinition,
  verifyIdentity,
} from "@crm/kit";
import { requiredEnv } from "./announce.js";

/**
 * The gRPC load driver, in its own process (not the bench's, not the server's). MODE=kit: unary
 * Echo calls through the kit's client (breaker, deadline, request id and identity metadata), made
 * inside a request context as a route handler makes them; MODE=bare: the same call on a plain
 * grpc-js client with only the identity metadata the server requires. CONCURRENCY loops call back
 * to back for WARMUP_MS, then are measured for DURATION_MS. Prints one JSON line.
 */
const address = requiredEnv("GRPC_ADDR");
const secret = requiredEnv("MESH_SECRET");
const token = requiredEnv("MESH_IDENTITY");
const mode = requiredEnv("MODE");
const concurrency = Number(process.env.CONCURRENCY ?? 50);
const warmupMs = Number(process.env.WARMUP_MS ?? 1000);
const durationMs = Number(process.env.DURATION_MS ?? 3000);
const FILE = "crm/kit/v1/echo.proto";
const SERVICE = "crm.kit.v1.EchoService";
const request = { message: "ping" };
const identity = verifyIdentity(secret, token);
if (!identity) throw new Error("MESH_IDENTITY is not valid for MESH_SECRET");

let call: () => Promise<unknown>;
let close: () => void;
if (mode === "kit") {
  const client = createGrpcClient({
    peer: "bench-upstream",
    address,
    file: FILE,
    service: SERVICE,
    self: "bench",
    meshSecret: secret,
    logger: createLogger({ name: "bench-grpc", level: "silent" }),
    metrics: createMetrics("bench-grpc"),
    timeoutMs: 5000,
    idempotent: ["Echo"],
  });
  call = () => client.unary("Echo", request);
  close = () => client.close();
} else {
  // bare (default); diagnostic variants add one kit ingredient each: "bare+deadline", "bare+context", "bare+breaker".
  const Ctor = grpc.makeGenericClientConstructor(serviceDefinition(loadProto(FILE), SERVICE), SERVICE);
  const client = new Ctor(address, grpc.credentials.createInsecure());
  const echo = (client as unknown as Record<string, (...a: unknown[]) => void>).Echo!.bind(client);
  const once = () =>
    new Promise((resolve, reject) => {
      const metadata = new grpc.Metadata();
      metadata.set("x-mesh-identity", token);
      const cb = (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res));
      if (mode === "bare+deadline") echo(request, metadata, { deadline: Date.now() + 5000 }, cb);
      else echo(request, metadata, cb);
    });
  let n = 0;
  const breaker = new Breaker("diag", {});
  call =
    mode === "bare+context"
      ? () =>
          runWithContext(
            { requestId: `bench-${++n}`, identity, identityToken: token, deadline: Date.now() + 10_000 },
            once,
          )
      : mode === "bare+breaker"
        ? () => breaker.fire(once)
        : once;
  close = () => {
    client.close();
    breaker.shutdown();
  };
}

let measuring = false;
let stop = false;
let calls = 0;
let errors = 0;
const latencies: number[] = [];
async function loop() {
  while (!stop) {
    const t = performance.now();
    try {
      await call();
      if (measuring) {
        calls++;
        latencies.push(performance.now() - t);
      }
    } catch {
      if (measuring) errors++;
    }
  }
}
// Kit mode: each loop is one long "request" of a route handler, so the context (request id,
// caller, deadline) exists before the client is called, as in a service; the client reads it on
// every call. (AsyncLocalStorage is on in the whole process, as in every kit service.)
const loops = Array.from({ length: concurrency }, (_, i) =>
  mode === "kit"
    ? runWithContext(
        { requestId: `bench-loop-${i}`, identity, identityToken: token, deadline: Date.now() + 3_600_000 },
        loop,
      )
    : loop(),
);
await new Promise((r) => setTimeout(r, warmupMs));
measuring = true;
process.stdout.write("measuring\n");
const started = performance.now();
const cpuBefore = process.cpuUsage();
await new Promise((r) => setTimeout(r, durationMs));
measuring = false;
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write("measured\n");
const elapsed = (performance.now() - started) / 1000;
stop = true;
await Promise.all(loops);
close();
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
process.stdout.write(
  `${JSON.stringify({ mode, calls, errors, durationSec: elapsed, cps: calls / elapsed, p50Ms: pct(50), p99Ms: pct(99), clientCpuUsPerCall: (cpu.user + cpu.system) / calls })}\n`,
);
process.exit(0);
