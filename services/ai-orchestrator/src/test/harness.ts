import { randomBytes } from "node:crypto";
import providerPart from "@crm/provider/part";
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
import orchestratorPart from "../part.js";
import { startFakeLlm, type FakeLlm } from "./fake-llm.js";

export const ADMIN: Identity = { sub: "admin-1", role: "admin", via: "token" };
export const MEMBER: Identity = { sub: "user-1", role: "member", via: "token" };

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever JSON came back
  body: any;
}

export interface Mesh {
  env: Record<string, string>;
  db: TestDatabase;
  provider: RunningPart;
  orchestrator: RunningPart;
  fake: FakeLlm;
  logs: string[];
  responses: string[];
  grpc: GrpcClient;
  /** Base URL of the orchestrator's HTTP API. */
  url: string;
  token(identity: Identity): string;
  http(
    method: string,
    path: string,
    opts?: { as?: Identity; body?: unknown; headers?: Record<string, string>; part?: "provider" | "orchestrator" },
  ): Promise<HttpResult>;
  chat(body: Record<string, unknown>, opts?: { as?: Identity; headers?: Record<string, string> }): Promise<HttpResult>;
  /** A streamed completion: the parsed `data:` events (the string "[DONE]" included). */
  stream(
    body: Record<string, unknown>,
    opts?: { as?: Identity; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Headers; events: unknown[]; text: string }>;
  addProvider(p: {
    name: string;
    kind: string;
    apiKey?: string;
    models: { id: string; inputCostPer1k?: number; outputCostPer1k?: number }[];
    baseUrl?: string;
  }): Promise<string>;
  putRoute(alias: string, route: Record<string, unknown>): Promise<HttpResult>;
  close(): Promise<void>;
}

export const SECRET_PROVIDER_KEY = "sk-fake-PROVIDERKEY-do-not-leak-1234567890";

export async function startMesh(extra: Record<string, string> = {}): Promise<Mesh> {
  const db = await createTestDatabase();
  const fake = await startFakeLlm();
  const env = testEnv({
    DATABASE_URL: db.url,
    PROVIDER_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    PROVIDER_HTTP_PORT: "0",
    PROVIDER_GRPC_PORT: "0",
    ORCHESTRATOR_HTTP_PORT: "0",
    ORCHESTRATOR_GRPC_PORT: "0",
    ORCHESTRATOR_RETRY_BASE_MS: "20",
    ORCHESTRATOR_ATTEMPT_TIMEOUT_MS: "1500",
    ORCHESTRATOR_BREAKER_VOLUME: "3",
    ORCHESTRATOR_BREAKER_RESET_MS: "600",
    ORCHESTRATOR_HEALTH_REPORT_MS: "100",
    ...extra,
  });
  const logs: string[] = [];
  const responses: string[] = [];
  const logger = (name: string) =>
    createLogger({ name, level: "debug", destination: { write: (l: string) => void logs.push(l) } });
  const provider = await startPart(providerPart, { env, logger: logger("provider") });
  const orchEnv = { ...env, PROVIDER_GRPC_ADDR: `127.0.0.1:${provider.grpcPort}` };
  const orchestrator = await startPart(orchestratorPart, { env: orchEnv, logger: logger("ai-orchestrator") });
  const grpc = createGrpcClient({
    peer: "ai-orchestrator",
    address: `127.0.0.1:${orchestrator.grpcPort}`,
    file: "crm/orchestrator/v1/orchestrator.proto",
    service: "crm.orchestrator.v1.OrchestratorService",
    self: "analysis",
    meshSecret: env.MESH_SECRET!,
    logger: createLogger({ name: "test", level: "silent" }),
    metrics: createMetrics("test"),
    timeoutMs: 20_000,
  });
  const token = (identity: Identity) => signIdentity(env.MESH_SECRET!, identity, 600);
  const url = `http://127.0.0.1:${orchestrator.httpPort}`;

  const raw = async (
    method: string,
    path: string,
    opts: { as?: Identity; body?: unknown; headers?: Record<string, string>; part?: "provider" | "orchestrator" } = {},
  ) => {
    const port = opts.part === "provider" ? provider.httpPort : orchestrator.httpPort;
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.as) headers["x-mesh-identity"] = token(opts.as);
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    return fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
  };
  const http: Mesh["http"] = async (method, path, opts = {}) => {
    const res = await raw(method, path, opts);
    const text = await res.text();
    responses.push(text);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, headers: res.headers, text, body };
  };

  const mesh: Mesh = {
    env,
    db,
    provider,
    orchestrator,
    fake,
    logs,
    responses,
    grpc,
    url,
    token,
    http,
    chat: (body, opts = {}) =>
      http("POST", "/api/v1/ai/chat/completions", {
        as: opts.as ?? MEMBER,
        body,
        ...(opts.headers ? { headers: opts.headers } : {}),
      }),
    async stream(body, opts = {}) {
      const res = await raw("POST", "/api/v1/ai/chat/completions", {
        as: opts.as ?? MEMBER,
        body: { ...body, stream: true },
        ...(opts.headers ? { headers: opts.headers } : {}),
      });
      const text = await res.text();
      responses.push(text);
      const events = text
        .split("\n\n")
        .filter((b) => b.startsWith("data: "))
        .map((b) => b.slice(6))
        .map((d) => (d === "[DONE]" ? d : (JSON.parse(d) as unknown)));
      return { status: res.status, headers: res.headers, events, text };
    },
    async addProvider(p) {
      const res = await http("POST", "/api/v1/providers", {
        part: "provider",
        as: ADMIN,
        body: {
          name: p.name,
          kind: p.kind,
          ...(p.kind === "local" ? {} : { baseUrl: p.baseUrl ?? (p.kind === "openai" ? `${fake.url}/v1` : fake.url) }),
          ...(p.apiKey ? { apiKey: p.apiKey } : {}),
          models: p.models.map((m) => ({ inputCostPer1k: 0, outputCostPer1k: 0, ...m })),
        },
      });
      if (res.status !== 201) throw new Error(`provider not created: ${res.text}`);
      return res.body.id as string;
    },
    putRoute: (alias, route) => http("PUT", `/api/v1/ai/routes/${alias}`, { as: ADMIN, body: route }),
    async close() {
      grpc.close();
      await orchestrator.stop();
      await provider.stop();
      await fake.close();
      await db.drop();
    },
  };
  return mesh;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const userMessage = (content: string) => [{ role: "user", content }];
