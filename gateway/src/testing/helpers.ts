import http from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import {
  Lifecycle,
  createGrpcServer,
  createLogger,
  createMetrics,
  startPart,
  type GrpcServerHandle,
  type PartModule,
  type RunningPart,
} from "@crm/kit";
import { testEnv } from "@crm/kit/testing";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";
import part from "../part.js";

export interface Echo {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  bodyBytes: number;
}

/**
 * A stand-in upstream: a plain node HTTP server that echoes method, URL and headers as JSON,
 * serves /ready and /openapi.json, and can be stopped and restarted on the same port.
 */
export class StubUpstream {
  server: http.Server | undefined;
  port = 0;
  received: Echo[] = [];
  /** Extra routes: path → handler. */
  handlers = new Map<string, http.RequestListener>();

  constructor(
    readonly name: string,
    readonly openapiPaths: Record<string, unknown> = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0]!;
      const custom = this.handlers.get(path);
      if (custom) return custom(req, res);
      if (path === "/ready")
        return void res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ready"}');
      if (path === "/openapi.json") {
        return void res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            openapi: "3.1.0",
            info: { title: this.name, version: "1" },
            tags: [{ name: this.name }],
            paths: this.openapiPaths,
            components: { schemas: { [`${this.name}Thing`]: { type: "object" } } },
          }),
        );
      }
      let bodyBytes = 0;
      req.on("data", (c: Buffer) => (bodyBytes += c.length));
      req.on("end", () => {
        const echo: Echo = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, bodyBytes };
        this.received.push(echo);
        const body = JSON.stringify({ upstream: this.name, ...echo });
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeAllConnections();
    await closed;
  }
}

/** Signing keys like auth's (Ed25519, kid), served as a JWKS by the auth stub. */
export class TestKeys {
  keys: { kid: string; alg: string; privateKey: CryptoKey; publicJwk: JWK }[] = [];

  async add(kid: string, alg: "EdDSA" | "ES256" = "EdDSA") {
    const { publicKey, privateKey } = await generateKeyPair(alg, { crv: alg === "EdDSA" ? "Ed25519" : undefined });
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
    const entry = { kid, alg, privateKey, publicJwk };
    this.keys.push(entry);
    return entry;
  }

  jwks() {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  async token(
    claims: Record<string, unknown> = {},
    opts: { kid?: string; iss?: string; aud?: string; exp?: number; nbf?: number; sub?: string } = {},
  ) {
    const key = opts.kid ? this.keys.find((k) => k.kid === opts.kid)! : this.keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ role: "member", email: "dev@example.com", ...claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
      .setIssuer(opts.iss ?? "codereview-mesh-auth")
      .setAudience(opts.aud ?? "codereview-mesh")
      .setSubject(opts.sub ?? "user-1")
      .setJti(crypto.randomUUID())
      .setIssuedAt(now)
      .setNotBefore(opts.nbf ?? now)
      .setExpirationTime(opts.exp ?? now + 900)
      .sign(key.privateKey);
  }
}

export interface ApiKeyRecord {
  id: string;
  email: string;
  role: string;
  disabled?: boolean;
}

/** crm.auth.v1.AuthService stand-in on the kit's own gRPC server. */
export async function startAuthGrpcStub(
  meshSecret: string,
  keys: Map<string, ApiKeyRecord>,
): Promise<{ handle: GrpcServerHandle; port: number; calls: string[] }> {
  const calls: string[] = [];
  const handle = createGrpcServer({
    logger: createLogger({ name: "auth-stub", level: "silent" }),
    metrics: createMetrics("auth-stub"),
    lifecycle: new Lifecycle(),
    meshSecret,
    services: [
      {
        file: "crm/auth/v1/auth.proto",
        service: "crm.auth.v1.AuthService",
        handlers: {
          async ValidateApiKey(req: { key: string }) {
            calls.push(req.key);
            const user = keys.get(req.key);
            if (!user) return { valid: false, cacheTtlSeconds: 10 };
            return {
              valid: true,
              user: { id: user.id, email: user.email, name: "Key Owner", role: user.role, disabled: !!user.disabled },
              keyId: "key-1",
              cacheTtlSeconds: 10,
            };
          },
          async GetUser() {
            throw new Error("not used by the gateway");
          },
          async GetUserByEmail() {
            throw new Error("not used by the gateway");
          },
        },
      },
    ],
  });
  const port = await handle.listen("127.0.0.1", 0);
  return { handle, port, calls };
}

export interface GatewayHandle {
  part: RunningPart;
  base: string;
  env: Record<string, string>;
  logs: string[];
  stop(): Promise<void>;
}

export async function startGateway(env: Record<string, string>): Promise<GatewayHandle> {
  const full = testEnv({ GATEWAY_PORT: "0", LOG_LEVEL: "info", ...env });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ name: "gateway", level: full.LOG_LEVEL ?? "info", destination });
  const running = await startPart(part as unknown as PartModule, { env: full, logger });
  return {
    part: running,
    base: `http://127.0.0.1:${running.httpPort}`,
    env: full,
    logs,
    stop: () => running.stop(),
  };
}

/** A raw HTTP request (fetch cannot send a chunked body without streaming support quirks). */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; chunks?: Buffer[]; body?: Buffer },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    // Split by hand: new URL() would normalize dot segments that tests send on purpose.
    const m = /^http:\/\/([^/:]+):(\d+)(\/.*)$/.exec(url);
    if (!m) throw new Error(`bad url ${url}`);
    const target = { host: m[1], port: Number(m[2]), path: m[3] };
    const req = http.request(
      { ...target, method: opts.method ?? "GET", headers: opts.headers, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.on("error", (err: NodeJS.ErrnoException) => {
      // The gateway may close the connection right after answering 413 while we still write.
      if (err.code === "EPIPE" || err.code === "ECONNRESET") return;
      reject(err);
    });
    if (opts.body) req.end(opts.body);
    else if (opts.chunks) {
      const write = async () => {
        for (const c of opts.chunks!) {
          if (req.destroyed) return;
          req.write(c);
          await new Promise((r) => setTimeout(r, 2));
        }
        req.end();
      };
      void write();
    } else req.end();
  });
}
