import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@crm/db/testing";
import {
  createGrpcClient,
  createLogger,
  createMetrics,
  signIdentity,
  startPart,
  type GrpcClient,
  type Identity,
  type RunningPart,
} from "@crm/kit";
import { testEnv } from "@crm/kit/testing";
import providerPart from "../part.js";

export const ADMIN: Identity = { sub: "admin-1", role: "admin", via: "token" };
export const MEMBER: Identity = { sub: "user-1", role: "member", via: "token" };

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever JSON came back
  body: any;
}

export interface Harness {
  env: Record<string, string>;
  db: TestDatabase;
  part: RunningPart;
  logs: string[];
  /** Every response body seen (to check no secret ever leaves). */
  responses: string[];
  grpc: GrpcClient;
  http(method: string, path: string, opts?: { as?: Identity; body?: unknown }): Promise<HttpResult>;
  close(): Promise<void>;
}

export const newKey = () => randomBytes(32).toString("base64");

/** A log destination that keeps every line (level debug: nothing a key could hide in is skipped). */
export function captureLogger(name: string, logs: string[]) {
  return createLogger({ name, level: "debug", destination: { write: (line: string) => void logs.push(line) } });
}

export async function startProvider(extra: Record<string, string> = {}): Promise<Harness> {
  const db = await createTestDatabase();
  const env = testEnv({
    DATABASE_URL: db.url,
    PROVIDER_KEYS: `k1:${newKey()}`,
    PROVIDER_HTTP_PORT: "0",
    PROVIDER_GRPC_PORT: "0",
    ...extra,
  });
  const logs: string[] = [];
  const responses: string[] = [];
  const part = await startPart(providerPart, { env, logger: captureLogger("provider", logs) });
  const grpc = createGrpcClient({
    peer: "provider",
    address: `127.0.0.1:${part.grpcPort}`,
    file: "crm/provider/v1/provider.proto",
    service: "crm.provider.v1.ProviderService",
    self: "test-runner",
    meshSecret: env.MESH_SECRET!,
    logger: createLogger({ name: "test", level: "silent" }),
    metrics: createMetrics("test"),
  });
  return {
    env,
    db,
    part,
    logs,
    responses,
    grpc,
    async http(method, path, opts = {}) {
      const headers: Record<string, string> = {};
      if (opts.as) headers["x-mesh-identity"] = signIdentity(env.MESH_SECRET!, opts.as);
      if (opts.body !== undefined) headers["content-type"] = "application/json";
      const res = await fetch(`http://127.0.0.1:${part.httpPort}${path}`, {
        method,
        headers,
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      });
      const text = await res.text();
      responses.push(text);
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, headers: res.headers, text, body };
    },
    async close() {
      grpc.close();
      await part.stop();
      await db.drop();
    },
  };
}
