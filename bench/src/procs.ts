import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { startProcess, type ProcessHandle } from "@crm/kit/testing";

/** Compiled entry of one of the bench's own servers (dist/servers/<name>.js). */
export function serverEntry(name: string): string {
  return fileURLToPath(new URL(`./servers/${name}.js`, import.meta.url));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a bench server or a part's main as its own process; resolves when it announced its port. */
export async function startServer(
  entry: string,
  name: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
  nodeArgs: string[] = [],
): Promise<ProcessHandle & { port: number }> {
  const handle = await startProcess({
    args: [...nodeArgs, entry],
    env: { PATH: process.env.PATH, ...env },
    parts: [name],
    timeoutMs,
  });
  const port = handle.ports.get(name)?.http;
  if (!port) throw new Error(`${name} did not announce a port`);
  return Object.assign(handle, { port });
}

/** Resident set size of a process in bytes (VmRSS from /proc), 0 when it is gone. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Direct children of a process, from /proc/<pid>/stat (field 4 is the parent pid). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    return "";
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls url until it answers `status` (default 2xx); returns the ms it took, or throws after timeoutMs. */
export async function waitFor(
  url: string,
  timeoutMs: number,
  init: RequestInit = {},
  intervalMs = 25,
): Promise<number> {
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return performance.now() - started;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat; 0 when gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields after the command: state(0) ppid(1) … utime(11) stime(12), in clock ticks (USER_HZ = 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Processes whose command line matches (e.g. the local redis-server). */
export function pidsByName(pattern: RegExp): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    if (pattern.test(processName(Number(entry)))) out.push(Number(entry));
  }
  return out;
}
