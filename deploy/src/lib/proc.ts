import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { accessSync, constants } from "node:fs";
import net from "node:net";

/** A free TCP port on 127.0.0.1 (released again; small race accepted in tests). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export function onPath(binary: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" }).status === 0;
}

export const IMAGE_UID = 1000;

/**
 * Whether processes can be started as uid 1000 like the images run: this test runs as root,
 * `setpriv` exists, and uid 1000 can read the given paths (and traverse their parents).
 */
export function canRunAsImageUser(paths: string[]): { ok: boolean; why?: string } {
  if (process.getuid?.() !== 0)
    return { ok: false, why: "tests do not run as root, so they cannot switch to uid 1000" };
  if (!onPath("setpriv")) return { ok: false, why: "setpriv (util-linux) is not installed" };
  for (const p of paths) {
    const r = spawnSync("setpriv", [
      `--reuid=${IMAGE_UID}`,
      `--regid=${IMAGE_UID}`,
      "--clear-groups",
      "sh",
      "-c",
      'test -r "$0"',
      p,
    ]);
    if (r.status !== 0) return { ok: false, why: `uid ${IMAGE_UID} cannot read ${p}` };
  }
  return { ok: true };
}

export interface Proc {
  name: string;
  child: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (default) and the exit code; SIGKILL after timeoutMs. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** JSON log lines at level error/fatal (pino numbers ≥ 50 or names). */
  errors(): Record<string, unknown>[];
}

export interface StartOptions {
  name: string;
  /** argv as the image runs it, e.g. ["node", "services/auth/dist/main.js"]. */
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** Run as uid/gid 1000 (needs root and setpriv). */
  asImageUser?: boolean;
  echo?: boolean;
}

/** Starts a process the way a container entry would: exactly argv, in cwd, with only env (+PATH). */
export function startProc(opts: StartOptions): Proc {
  const [cmd, ...args] = opts.argv;
  if (!cmd) throw new Error("empty argv");
  const bin = cmd === "node" ? process.execPath : cmd;
  const argv = opts.asImageUser
    ? ["setpriv", `--reuid=${IMAGE_UID}`, `--regid=${IMAGE_UID}`, "--clear-groups", "--", bin, ...args]
    : [bin, ...args];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line) continue;
      lines.push(line);
      if (opts.echo || process.env.DEPLOY_TEST_ECHO) process.stderr.write(`[${opts.name}] ${line}\n`);
    }
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = once(child, "exit").then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return {
    name: opts.name,
    child,
    lines,
    exited,
    async stop(signal = "SIGTERM", timeoutMs = 25_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    errors() {
      return lines.flatMap((l) => {
        try {
          const log = JSON.parse(l) as Record<string, unknown>;
          const level = log.level;
          return (typeof level === "number" && level >= 50) || level === "error" || level === "fatal" ? [log] : [];
        } catch {
          return [];
        }
      });
    },
  };
}

export const tail = (p: Proc, n = 30): string => p.lines.slice(-n).join("\n");

/** Polls url until it answers `status` (default 200); fails with the process output if it exits first. */
export async function waitForHttp(
  url: string,
  opts: { proc?: Proc; timeoutMs?: number; status?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: string;
  for (;;) {
    if (opts.proc && (opts.proc.child.exitCode !== null || opts.proc.child.signalCode !== null))
      throw new Error(
        `${opts.proc.name} exited (${opts.proc.child.exitCode ?? opts.proc.child.signalCode}):\n${tail(opts.proc)}`,
      );
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === (opts.status ?? 200)) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`${url} not ${opts.status ?? 200} in time (${last})${opts.proc ? `:\n${tail(opts.proc)}` : ""}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Runs a command to completion (for tools: nginx -t, docker-compose, kubectl, openssl). */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input,
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
