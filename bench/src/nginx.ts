import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, sleep } from "./procs.js";
import net from "node:net";

export interface NginxHandle {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function nginxBinary(): string | undefined {
  for (const candidate of ["nginx", "/usr/sbin/nginx"]) {
    const r = spawnSync(candidate, ["-v"], { encoding: "utf8" });
    if (r.status === 0) return candidate;
  }
  return undefined;
}

export function nginxVersion(bin: string): string {
  const r = spawnSync(bin, ["-v"], { encoding: "utf8" });
  return (r.stderr || r.stdout).trim().replace(/^nginx version: /, "");
}

function connectable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => (s.destroy(), resolve(true)));
    s.on("error", () => resolve(false));
  });
}

/**
 * nginx in front of the upstream, from a temporary config: one worker (like each Node proxy, one
 * process serving), upstream keep-alive, no access log. Runs in the foreground as our child.
 */
export async function startNginx(bin: string, upstreamPort: number): Promise<NginxHandle> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "crm-bench-nginx-"));
  const port = await freePort();
  const conf = `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  upstream service { server 127.0.0.1:${upstreamPort}; keepalive 128; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://service;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
  }
}
`;
  writeFileSync(path.join(dir, "nginx.conf"), conf);
  const child = spawn(bin, ["-e", `${dir}/error.log`, "-p", dir, "-c", path.join(dir, "nginx.conf")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    if (await connectable(port)) break;
    await sleep(50);
  }
  return {
    port,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
