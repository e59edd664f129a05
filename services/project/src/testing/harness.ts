import { randomUUID } from "node:crypto";
import { createPrisma } from "@crm/db";
import { createTestDatabase, type TestDatabase } from "@crm/db/testing";
import {
  createGrpcServer,
  createLogger,
  createMetrics,
  IDENTITY_HEADER,
  Lifecycle,
  notFound,
  signIdentity,
  startPart,
  type GrpcServerHandle,
  type Identity,
  type RunningPart,
} from "@crm/kit";
import { testEnv } from "@crm/kit/testing";
import part from "../part.js";

/** Test helpers: a real project part on a fresh database, a stub auth service, HTTP as any user. */

export interface TestUser extends Identity {
  email: string;
  name: string;
}

export function makeUser(name: string): TestUser {
  return {
    sub: randomUUID(),
    role: "member",
    via: "token",
    email: `${name}-${randomUUID().slice(0, 8)}@example.test`,
    name,
  };
}

/** The auth service's gRPC surface, backed by a map: enough for member lookups. */
export class AuthStub {
  readonly users = new Map<string, TestUser>();
  private handle?: GrpcServerHandle;
  port = 0;

  constructor(private readonly meshSecret: string) {}

  add(...users: TestUser[]): void {
    for (const u of users) this.users.set(u.email.toLowerCase(), u);
  }

  async start(port = 0): Promise<string> {
    const find = (pred: (u: TestUser) => boolean) => {
      const u = [...this.users.values()].find(pred);
      if (!u) throw notFound("User");
      return { id: u.sub, email: u.email, name: u.name, role: u.role, disabled: false };
    };
    this.handle = createGrpcServer({
      logger: createLogger({ name: "auth-stub", level: "silent" }),
      metrics: createMetrics("auth-stub"),
      lifecycle: new Lifecycle(),
      meshSecret: this.meshSecret,
      services: [
        {
          file: "crm/auth/v1/auth.proto",
          service: "crm.auth.v1.AuthService",
          handlers: {
            GetUserByEmail: async (req: { email: string }) =>
              find((u) => u.email.toLowerCase() === req.email.toLowerCase()),
            GetUser: async (req: { id: string }) => find((u) => u.sub === req.id),
            ValidateApiKey: async () => ({ valid: false }),
          },
        },
      ],
    });
    this.port = await this.handle.listen("127.0.0.1", port);
    return `127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await this.handle?.shutdown(100);
  }
}

export interface Response<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** Calls a part over real HTTP with a freshly minted mesh identity, as the gateway would. */
export class Api {
  constructor(
    readonly baseUrl: string,
    private readonly meshSecret: string,
  ) {}

  async request<T = Record<string, unknown>>(
    as: Identity | undefined,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response<T>> {
    const h: Record<string, string> = { ...headers };
    if (as) h[IDENTITY_HEADER] = signIdentity(this.meshSecret, as);
    let payload: string | Uint8Array | undefined;
    if (body instanceof Uint8Array) payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      h["content-type"] ??= "application/json";
    }
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: h,
      ...(payload !== undefined ? { body: payload } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get = <T = Record<string, unknown>>(as: Identity | undefined, path: string) => this.request<T>(as, "GET", path);
  post = <T = Record<string, unknown>>(
    as: Identity | undefined,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => this.request<T>(as, "POST", path, body, headers);
  put = <T = Record<string, unknown>>(
    as: Identity | undefined,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => this.request<T>(as, "PUT", path, body, headers);
  patch = <T = Record<string, unknown>>(as: Identity | undefined, path: string, body?: unknown) =>
    this.request<T>(as, "PATCH", path, body);
  delete = <T = Record<string, unknown>>(as: Identity | undefined, path: string) => this.request<T>(as, "DELETE", path);
}

export interface ProjectHarness {
  db: TestDatabase;
  env: Record<string, string>;
  auth: AuthStub;
  part: RunningPart;
  api: Api;
  grpcAddress: string;
  /** Stops the part only (the database and auth stay), e.g. to test peers' breakers. */
  stopPart(): Promise<void>;
  /** Starts the part again on the same ports. */
  restartPart(): Promise<void>;
  close(): Promise<void>;
}

export async function startProjectHarness(
  extra: Record<string, string> = {},
  db?: TestDatabase,
): Promise<ProjectHarness> {
  const database = db ?? (await createTestDatabase());
  const base = testEnv({
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    DATABASE_URL: database.url,
    PROJECT_HTTP_PORT: "0",
    PROJECT_GRPC_PORT: "0",
    ...extra,
  });
  const auth = new AuthStub(base.MESH_SECRET!);
  const env: Record<string, string> = { ...base, AUTH_GRPC_ADDR: await auth.start() };
  let running = await startPart(part, { env });
  const h: ProjectHarness = {
    db: database,
    env,
    auth,
    part: running,
    api: new Api(`http://127.0.0.1:${running.httpPort}`, env.MESH_SECRET!),
    grpcAddress: `127.0.0.1:${running.grpcPort}`,
    stopPart: () => running.stop(),
    async restartPart() {
      running = await startPart(part, {
        env: { ...env, PROJECT_HTTP_PORT: String(h.part.httpPort), PROJECT_GRPC_PORT: String(h.part.grpcPort) },
      });
      h.part = running;
    },
    async close() {
      await running.stop();
      await auth.stop();
      if (!db) await database.drop();
    },
  };
  return h;
}

/** Counts rows of the project schema's tables, to prove a refused request wrote nothing. */
export async function rowCounts(url: string): Promise<Record<string, number>> {
  const prisma = createPrisma(url, { poolSize: 1 });
  try {
    const out: Record<string, number> = {};
    for (const table of ["projects", "members", "files", "file_revisions"]) {
      const rows = await prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "project"."${table}"`);
      out[table] = Number(rows[0]?.n);
    }
    return out;
  } finally {
    await prisma.$disconnect();
  }
}
