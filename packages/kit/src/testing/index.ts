import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";

/**
 * Helpers for tests that start real parts. Each run gets its own Redis key prefix and mesh
 * secret; databases come from @crm/db/testing.
 */
export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    MESH_SECRET: randomBytes(32).toString("hex"),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
    REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
    REDIS_KEY_PREFIX: `crm-test-${randomBytes(4).toString("hex")}:`,
    ...extra,
  };
}

export interface ProcessHandle {
  child: ChildProcess;
  /** Every stdout/stderr line so far (JSON log lines and anything else). */
  lines: string[];
  /** Ports each part announced in its "part started" log line. */
  ports: Map<string, { http: number; grpc?: number }>;
  url(part: string): string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartProcessOptions {
  args: string[];
  env: Record<string, string | undefined>;
  /** Parts whose "part started" line means ready (default: any one). */
  parts?: string[];
  timeoutMs?: number;
  cwd?: string;
  /** Echo the child's output (debugging). */
  echo?: boolean;
}

export async function startProcess(opts: StartProcessOptions): Promise<ProcessHandle> {
  const child = spawn(process.execPath, opts.args, {
    env: { PATH: process.env.PATH, ...opts.env },
    cwd: opts.cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const ports = new Map<string, { http: number; grpc?: number }>();
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const wanted = new Set(opts.parts ?? []);
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line) continue;
      lines.push(line);
      if (opts.echo) process.stderr.write(`${line}\n`);
      if (!line.includes('"part started"')) continue;
      try {
        const log = JSON.parse(line) as { service: string; httpPort: number; grpcPort?: number };
        ports.set(log.service, { http: log.httpPort, ...(log.grpcPort ? { grpc: log.grpcPort } : {}) });
        if (wanted.size === 0 || [...wanted].every((p) => ports.has(p))) resolveReady();
      } catch {
        // not a log line
      }
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => "ready" as const),
    exited.then(() => "exited" as const),
    new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome !== "ready") {
    child.kill("SIGKILL");
    throw new Error(`process ${opts.args.join(" ")} ${outcome} before ready:\n${lines.slice(-30).join("\n")}`);
  }
  return {
    child,
    lines,
    ports,
    exited,
    url(part) {
      const p = ports.get(part);
      if (!p) throw new Error(`part ${part} did not start`);
      return `http://127.0.0.1:${p.http}`;
    },
    async stop(signal = "SIGTERM", stopTimeoutMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const t = setTimeout(() => child.kill("SIGKILL"), stopTimeoutMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** Parsed JSON log lines of a process (non-JSON lines dropped). */
export function jsonLogs(handle: ProcessHandle): Record<string, unknown>[] {
  return handle.lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
