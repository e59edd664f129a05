import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import https from "node:https";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { repoPath } from "./parts.js";
import { freePort, onPath, run, type Proc } from "./proc.js";

export const nginxAvailable = (): boolean => onPath("nginx") || existsSync("/usr/sbin/nginx");
const nginxBin = (): string => (onPath("nginx") ? "nginx" : "/usr/sbin/nginx");

/** A throwaway self-signed certificate for localhost/127.0.0.1 (deploy/scripts/dev-cert.sh). */
export function throwawayCert(dir: string): { cert: string; key: string } {
  const r = run("sh", [repoPath("deploy/scripts/dev-cert.sh"), dir, "localhost"]);
  if (r.status !== 0) throw new Error(`dev-cert.sh failed: ${r.stderr}`);
  return { cert: path.join(dir, "tls.crt"), key: path.join(dir, "tls.key") };
}

/**
 * What the nginx image's entrypoint does with /etc/nginx/templates: envsubst of the variables
 * defined in the environment (and only those; nginx's own $variables stay).
 */
export function renderTemplate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, a?: string, b?: string) => {
    const name = (a ?? b)!;
    return Object.hasOwn(vars, name) ? vars[name]! : all;
  });
}

export interface NginxSetup {
  dir: string;
  conf: string;
  httpPort: number;
  httpsPort: number;
  cert: string;
  key: string;
  vars: Record<string, string>;
}

/**
 * The repo's nginx config laid out as in the container (nginx.conf, mime.types, conf.d/ rendered
 * from templates/), in a temp prefix, on unprivileged ports with a throwaway certificate.
 * `vars` are the compose file's nginx environment; ports and certificate paths are replaced.
 */
export async function prepareNginx(vars: Record<string, string>): Promise<NginxSetup> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "crm-nginx-"));
  mkdirSync(path.join(dir, "conf.d"));
  const { cert, key } = throwawayCert(path.join(dir, "certs"));
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const all = {
    ...vars,
    NGINX_LISTEN_HTTP: String(httpPort),
    NGINX_LISTEN_HTTPS: String(httpsPort),
    NGINX_PUBLIC_HTTPS_PORT: String(httpsPort),
    NGINX_TLS_CERT: cert,
    NGINX_TLS_KEY: key,
  };
  copyFileSync(repoPath("nginx/nginx.conf"), path.join(dir, "nginx.conf"));
  copyFileSync("/etc/nginx/mime.types", path.join(dir, "mime.types"));
  for (const t of readdirSync(repoPath("nginx/templates"))) {
    if (!t.endsWith(".template")) continue;
    const out = renderTemplate(readFileSync(repoPath("nginx/templates", t), "utf8"), all);
    writeFileSync(path.join(dir, "conf.d", t.replace(/\.template$/, "")), out);
  }
  return { dir, conf: path.join(dir, "nginx.conf"), httpPort, httpsPort, cert, key, vars: all };
}

/** The container's command line (`nginx -g 'daemon off; pid /tmp/nginx.pid;'`) with a private prefix. */
const globals = (s: NginxSetup) => `daemon off; pid ${path.join(s.dir, "nginx.pid")};`;

export function nginxTest(s: NginxSetup): { status: number | null; output: string } {
  // Output to a file, not a pipe: `nginx -t` opens the access log (/dev/stdout) too.
  const file = path.join(s.dir, "nginx-t.log");
  const fd = openSync(file, "w");
  const r = spawnSync(nginxBin(), ["-t", "-e", "stderr", "-p", s.dir, "-c", s.conf, "-g", globals(s)], {
    stdio: ["ignore", fd, fd],
    timeout: 30_000,
  });
  closeSync(fd);
  return { status: r.status, output: readFileSync(file, "utf8") };
}

/**
 * Runs nginx in the foreground. Its logs go to a file: nginx opens /dev/stdout itself, which
 * works on a container's pipe but not on the socket pair node gives a child for stdout.
 */
export async function startNginx(s: NginxSetup): Promise<Proc> {
  const log = openSync(path.join(s.dir, "nginx.log"), "a");
  const child = spawn(nginxBin(), ["-e", "stderr", "-p", s.dir, "-c", s.conf, "-g", globals(s)], {
    cwd: s.dir,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  const exited = once(child, "exit").then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const lines = () => readFileSync(path.join(s.dir, "nginx.log"), "utf8").split("\n").filter(Boolean);
  const proc: Proc = {
    name: "nginx",
    child,
    get lines() {
      return lines();
    },
    exited,
    async stop(signal = "SIGQUIT", timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
    errors: () =>
      lines()
        .filter((l) => /\[(emerg|alert|crit|error)\]/.test(l))
        .map((l) => ({ msg: l })),
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${s.httpPort}/nginx-health`);
      if (res.status === 200) return proc;
    } catch {
      // not yet
    }
    if (child.exitCode !== null) throw new Error(`nginx exited:\n${lines().join("\n")}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`nginx did not start:\n${lines().join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface HttpsResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An HTTPS request to nginx that trusts only the throwaway certificate (no verification is turned off). */
export function httpsRequest(
  s: NginxSetup,
  method: string,
  pathname: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer; agent?: https.Agent } = {},
): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port: s.httpsPort,
        servername: "localhost",
        ca: readFileSync(s.cert),
        method,
        path: pathname,
        headers: {
          host: "localhost",
          ...(opts.body ? { "content-length": String(Buffer.byteLength(opts.body)) } : {}),
          ...opts.headers,
        },
        ...(opts.agent ? { agent: opts.agent } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

/** A streamed HTTPS response: when each chunk arrived (ms after the request) and when it ended. */
export function httpsStream(
  s: NginxSetup,
  method: string,
  pathname: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
): Promise<{
  status: number;
  headers: http.IncomingHttpHeaders;
  chunks: { at: number; text: string }[];
  endedAt: number;
}> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = https.request(
      {
        host: "127.0.0.1",
        port: s.httpsPort,
        servername: "localhost",
        ca: readFileSync(s.cert),
        method,
        path: pathname,
        headers: {
          host: "localhost",
          ...(opts.body ? { "content-length": String(Buffer.byteLength(opts.body)) } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: { at: number; text: string }[] = [];
        res.on("data", (c: Buffer) => chunks.push({ at: performance.now() - started, text: c.toString("utf8") }));
        res.on("end", () =>
          resolve({ status: res.statusCode!, headers: res.headers, chunks, endedAt: performance.now() - started }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

/** Plain HTTP to nginx's redirect port. */
export function httpGet(
  port: number,
  pathname: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: pathname, headers: { host: "localhost" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
      })
      .on("error", reject);
  });
}
