import { createTestDatabase, type TestDatabase } from "@crm/db/testing";
import { signIdentity } from "@crm/kit";
import { testEnv, type ProcessHandle } from "@crm/kit/testing";
import { BENCH_ROUTE } from "./upstream-part.js";
import { findPart, rateLimitOverrides, type PartInfo } from "./parts.js";
import { serverEntry, startServer } from "./procs.js";

export const ADMIN = { email: "bench-admin@mesh.test", password: "Quartz-Lattice-91-Harbor-Drift" };

type Server = ProcessHandle & { port: number };

/**
 * What sections 1–3 share: the bench upstream (a kit part), the real auth part (JWKS, login) on a
 * fresh test database, and our gateway with its PROJECT_URL pointing at the upstream. Every one is
 * its own OS process.
 */
export interface Rig {
  env: Record<string, string>;
  upstream: Server;
  upstreamGrpcPort: number;
  auth?: Server;
  gateway?: Server;
  gatewayPart?: PartInfo;
  /** Why the gateway rows cannot run, when they cannot. */
  gatewayMissing?: string;
  /** A real access token from auth's login, through the gateway. */
  token?: string;
  /** When load last went through the gateway (performance.now()), so breaker windows can drain. */
  lastGatewayLoadAt?: number;
  /** A valid x-mesh-identity for calling the upstream directly (what the gateway would forward). */
  identity: string;
  startUpstream(ports?: { http: number; grpc: number }): Promise<Server>;
  /** Another gateway process on the same upstream and auth, with env overrides (diagnostic rows). */
  startGateway?(extra?: Record<string, string>): Promise<Server>;
  stop(): Promise<void>;
}

export async function startRig(log: (m: string) => void, withGateway = true): Promise<Rig> {
  const env: Record<string, string> = { ...testEnv({ LOG_LEVEL: "info" }) };
  const stops: (() => Promise<unknown>)[] = [];
  let db: TestDatabase | undefined;
  const startUpstream = async (ports?: { http: number; grpc: number }) => {
    const s = await startServer(serverEntry("upstream"), "bench-upstream", {
      ...env,
      BENCH_UPSTREAM_HTTP_PORT: String(ports?.http ?? 0),
      BENCH_UPSTREAM_GRPC_PORT: String(ports?.grpc ?? 0),
      SHUTDOWN_TIMEOUT_MS: "2000",
    });
    rig.upstream = s;
    rig.upstreamGrpcPort = s.ports.get("bench-upstream")?.grpc ?? 0;
    return s;
  };
  const rig: Rig = {
    env,
    identity: signIdentity(env.MESH_SECRET!, { sub: "bench-user", role: "member", via: "token" }, 6 * 3600),
    upstream: undefined as unknown as Server,
    upstreamGrpcPort: 0,
    startUpstream,
    async stop() {
      await Promise.allSettled([rig.upstream?.stop("SIGTERM", 5000), ...stops.map((s) => s())]);
      await db?.drop().catch(() => undefined);
    },
  };
  try {
    await startUpstream();
    log(`upstream on :${rig.upstream.port} (gRPC :${rig.upstreamGrpcPort})`);
    if (!withGateway) return rig;
    const [auth, gateway] = await Promise.all([findPart("@crm/auth"), findPart("@crm/gateway")]);
    if (!auth || !gateway) {
      rig.gatewayMissing = `${!gateway ? "@crm/gateway" : "@crm/auth"} is not built`;
      return rig;
    }
    rig.gatewayPart = gateway;
    db = await createTestDatabase();
    rig.auth = await startServer(auth.main, "auth", {
      ...env,
      DATABASE_URL: db.url,
      AUTH_HTTP_PORT: "0",
      AUTH_GRPC_PORT: "0",
      ACCESS_TOKEN_TTL_SECONDS: "7200",
      BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
    });
    stops.push(() => rig.auth!.stop("SIGTERM", 5000));
    const authPorts = rig.auth.ports.get("auth")!;
    log(`auth on :${authPorts.http}`);
    rig.startGateway = async (extra = {}) => {
      const g = await startServer(
        gateway.main,
        "gateway",
        {
          ...env,
          ...rateLimitOverrides(gateway.module),
          GATEWAY_PORT: "0",
          AUTH_URL: `http://127.0.0.1:${authPorts.http}`,
          AUTH_GRPC_ADDR: `127.0.0.1:${authPorts.grpc}`,
          PROJECT_URL: `http://127.0.0.1:${rig.upstream.port}`,
          // Only the fail-fast section's frozen-upstream case waits this long; the default is 30 s.
          UPSTREAM_TIMEOUT_MS: "2000",
          ...extra,
        },
        60_000,
        // Profiling hook, e.g. BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
        process.env.BENCH_GATEWAY_NODE_ARGS?.split(" ").filter(Boolean) ?? [],
      );
      stops.push(() => g.stop("SIGTERM", 5000));
      return g;
    };
    rig.gateway = await rig.startGateway();
    log(`gateway on :${rig.gateway.port}`);
    const res = await fetch(`http://127.0.0.1:${rig.gateway.port}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    const body = (await res.json()) as { accessToken?: string };
    if (res.status !== 200 || !body.accessToken) throw new Error(`login through the gateway failed: ${res.status}`);
    rig.token = body.accessToken;
    const probe = await fetch(`http://127.0.0.1:${rig.gateway.port}${BENCH_ROUTE}`, {
      headers: { authorization: `Bearer ${rig.token}` },
    });
    if (probe.status !== 200)
      throw new Error(`GET ${BENCH_ROUTE} through the gateway: ${probe.status} ${await probe.text()}`);
    return rig;
  } catch (err) {
    await rig.stop();
    throw err;
  }
}
