import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { testEnv } from "@crm/kit/testing";
import { ADDRESSES, loadParts, PARTS, type PartName } from "@crm/platform";
import { findPart, rateLimitOverrides } from "./parts.js";
import { childPids, freePort, processName, rssBytes, sleep } from "./procs.js";
import { ADMIN } from "./rig.js";

export interface Platform {
  child: ChildProcess;
  url: string;
  split: boolean;
  /** Launch → gateway /health/startup answered 200. */
  readyMs: number;
  parts: PartName[];
  env: Record<string, string>;
  lines: string[];
  /** Processes that make up the platform: the launcher alone, or (split) its children. */
  processes(): { pid: number; name: string; rss: number }[];
  rss(): number;
  login(): Promise<string>;
  stop(): Promise<void>;
}

/** Platforms running now, so an interrupted bench can stop them (main's signal handler). */
export const runningPlatforms = new Set<() => Promise<void>>();

export function platformMain(): string {
  return fileURLToPath(new URL("./main.js", import.meta.resolve("@crm/platform")));
}

/** Which part a split child is, from its command line (…/services/<name>/dist/main.js, gateway/dist/main.js). */
function partOf(cmdline: string): string {
  const m = /(?:services\/([\w-]+)|(gateway))\/dist\/main\.js/.exec(cmdline);
  return m?.[1] ?? m?.[2] ?? cmdline.split(" ").slice(-1)[0] ?? "?";
}

/**
 * `node packages/platform/dist/main.js [--split]` as `npm start` runs it, against the given database
 * and the local Redis (a private key prefix), every port free, rate limits raised out of the way.
 */
export async function launchPlatform(options: {
  split: boolean;
  databaseUrl: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<Platform> {
  const names = PARTS.map((p) => p.name);
  const parts = (await loadParts(names, () => undefined)).map((p) => p.name);
  const gateway = await findPart("@crm/gateway");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    ...testEnv({ LOG_LEVEL: "info" }),
    DATABASE_URL: options.databaseUrl,
    BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    ...rateLimitOverrides(gateway?.module),
  };
  for (const a of Object.values(ADDRESSES)) {
    env[a.httpKey] = String(await freePort());
    if (a.grpcKey) env[a.grpcKey] = String(await freePort());
  }
  Object.assign(env, options.env);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "crm-bench-platform-"));
  const args = [platformMain(), "--data-dir", dataDir, ...(options.split ? ["--split"] : [])];
  const url = `http://127.0.0.1:${env.GATEWAY_PORT}`;
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const collect = (c: Buffer) => lines.push(...c.toString().split("\n").filter(Boolean));
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = once(child, "exit");
  const stop = async () => {
    runningPlatforms.delete(stop);
    if (child.exitCode === null && child.signalCode === null) {
      const kids = childPids(child.pid!);
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        for (const pid of kids) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // gone
          }
        }
        child.kill("SIGKILL");
      }, 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  runningPlatforms.add(stop);
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let readyMs = NaN;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || lines.some((l) => l.includes("stopping the platform"))) break;
    try {
      const res = await fetch(`${url}/health/startup`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) {
        readyMs = performance.now() - started;
        break;
      }
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  if (!Number.isFinite(readyMs)) {
    await stop();
    const problems = lines.filter((l) => !/"level":("info"|30)/.test(l));
    throw new Error(`platform${options.split ? " --split" : ""} not ready:\n${problems.slice(-12).join("\n")}`);
  }
  const processes = () =>
    options.split
      ? childPids(child.pid!).map((pid) => ({ pid, name: partOf(processName(pid)), rss: rssBytes(pid) }))
      : [{ pid: child.pid!, name: "all-in-one", rss: rssBytes(child.pid!) }];
  return {
    child,
    url,
    split: options.split,
    readyMs,
    parts,
    env,
    lines,
    processes,
    rss: () => processes().reduce((s, p) => s + p.rss, 0),
    async login() {
      for (let i = 0; i < 100; i++) {
        const res = await fetch(`${url}/api/v1/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(ADMIN),
        });
        const body = (await res.json()) as { accessToken?: string };
        if (res.status === 200 && body.accessToken) return body.accessToken;
        await sleep(100); // split: auth may start after the gateway answers
      }
      throw new Error("cannot log in through the platform's gateway");
    },
    stop,
  };
}
