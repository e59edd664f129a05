import type http from "node:http";
import net from "node:net";
import type { Express } from "express";
import type { z } from "zod";
import { commonConfig, ConfigError, loadConfig, type ConfigShape } from "./config.js";
import { createGrpcClient, type GrpcClient, type GrpcClientOptions } from "./grpc/client.js";
import { createGrpcServer, type GrpcServerHandle, type GrpcServiceRegistration } from "./grpc/server.js";
import { createHttpApp, createHttpServer, type HttpAppOptions } from "./http/app.js";
import { Lifecycle } from "./lifecycle.js";
import { createLogger, type Logger } from "./logger.js";
import { createMetrics, type Metrics } from "./metrics.js";

type Common = z.infer<z.ZodObject<typeof commonConfig>>;

/** What a part gets to build itself with: everything pre-wired with its name, logger and metrics. */
export interface PartKit {
  name: string;
  logger: Logger;
  metrics: Metrics;
  lifecycle: Lifecycle;
  http(options: Omit<HttpAppOptions, "name" | "logger" | "metrics" | "lifecycle" | "meshSecret">): Express;
  grpcServer(services: GrpcServiceRegistration[]): GrpcServerHandle;
  grpcClient(options: Omit<GrpcClientOptions, "self" | "meshSecret" | "logger" | "metrics">): GrpcClient;
}

export interface PartInstance {
  /** Usually an express app; the gateway passes a bare handler to keep its hot path lean. */
  app: http.RequestListener;
  grpc?: GrpcServerHandle;
  /** Closes what the part opened (DB pools, Redis, clients, workers) after servers stopped. */
  close(): Promise<void>;
  /** Stops background work (queue workers…) before servers close; it may finish current jobs. */
  drain?(): Promise<void>;
}

/**
 * A part of the platform (the gateway or a service), Loki-style: the same module runs alone in
 * its own process or with the others in one process.
 */
export interface PartModule<S extends ConfigShape = ConfigShape> {
  name: string;
  /** Every env variable the part reads, including the common ones. */
  config: S & typeof commonConfig;
  httpPortKey: keyof S & string;
  grpcPortKey?: keyof S & string;
  create(config: z.infer<z.ZodObject<S & typeof commonConfig>>, kit: PartKit): Promise<PartInstance>;
}

export function definePart<S extends ConfigShape>(part: {
  name: string;
  config: S;
  httpPortKey: keyof S & string;
  grpcPortKey?: keyof S & string;
  create(config: z.infer<z.ZodObject<S & typeof commonConfig>>, kit: PartKit): Promise<PartInstance>;
}): PartModule<S> {
  return { ...part, config: { ...commonConfig, ...part.config } };
}

/** How long no new request may start on open connections before they are closed at shutdown. */
const QUIET_MS = 200;

export interface RunningPart {
  name: string;
  httpPort: number;
  grpcPort?: number;
  logger: Logger;
  lifecycle: Lifecycle;
  /** Graceful stop: /ready and /health turn 503, listeners close, in-flight work ends, resources close. */
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Runs after every part stopped, before the process exits (e.g. stop an embedded database). */
  afterStop?: () => Promise<void>;
  host?: string;
  logger?: Logger;
}

function listenHttp(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

export async function startPart<S extends ConfigShape>(
  part: PartModule<S>,
  options: StartOptions = {},
): Promise<RunningPart> {
  const env = options.env ?? process.env;
  const config = loadConfig(part.name, part.config, env) as z.infer<z.ZodObject<S & typeof commonConfig>> & Common;
  const logger = options.logger ?? createLogger({ name: part.name, level: config.LOG_LEVEL });
  const metrics = createMetrics(part.name);
  const lifecycle = new Lifecycle();
  const kit: PartKit = {
    name: part.name,
    logger,
    metrics,
    lifecycle,
    http: (o) => createHttpApp({ ...o, name: part.name, logger, metrics, lifecycle, meshSecret: config.MESH_SECRET }),
    grpcServer: (services) =>
      createGrpcServer({ services, logger, metrics, lifecycle, meshSecret: config.MESH_SECRET }),
    grpcClient: (o) => createGrpcClient({ ...o, self: part.name, meshSecret: config.MESH_SECRET, logger, metrics }),
  };
  const instance = await part.create(config, kit);
  const host = options.host ?? env.BIND_HOST ?? "127.0.0.1";
  // While shutting down, every response asks its client to drop the connection, so keep-alive
  // peers (the gateway's agent, load balancers) stop reusing it before we close it.
  const server = createHttpServer((req, res) => {
    if (lifecycle.shuttingDown) res.setHeader("connection", "close");
    instance.app(req, res);
  });
  const httpPort = await listenHttp(server, host, Number((config as Record<string, unknown>)[part.httpPortKey] ?? 0));
  const grpcPort =
    instance.grpc && part.grpcPortKey
      ? await instance.grpc.listen(host, Number((config as Record<string, unknown>)[part.grpcPortKey] ?? 0))
      : undefined;
  lifecycle.started = true;
  logger.info({ httpPort, grpcPort }, "part started");

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
      lifecycle.shuttingDown = true;
      logger.info({ inflight: lifecycle.active }, "shutting down");
      if (config.SHUTDOWN_DELAY_MS > 0) await new Promise((r) => setTimeout(r, config.SHUTDOWN_DELAY_MS));
      await instance.drain?.();
      // Stop accepting connections but keep the open ones: http.Server#close would also drop
      // "idle" keep-alive sockets whose next request is already on the wire (ECONNRESET for a
      // request the client sent before we stopped). Those requests are served, then we close.
      const closed = new Promise<void>((r) => net.Server.prototype.close.call(server, () => r()));
      const grpcClosed = instance.grpc?.shutdown(Math.max(0, deadline - Date.now()));
      const settled = await lifecycle.settled(Math.max(0, deadline - Date.now()), QUIET_MS);
      if (!settled) logger.warn({ inflight: lifecycle.active }, "shutdown timeout: closing remaining connections");
      server.closeAllConnections();
      await Promise.all([closed, grpcClosed]);
      await instance.close();
      logger.info("stopped");
    })());
  const running: RunningPart = { name: part.name, httpPort, logger, lifecycle, stop };
  if (grpcPort !== undefined) running.grpcPort = grpcPort;
  return running;
}

/**
 * A process entry: starts the given parts, stops them all on SIGTERM/SIGINT and exits 0;
 * a bad config exits 1 with every problem listed; a part that fails to start stops the rest.
 */
// Each part has its own config shape; the runner only needs what every shape shares.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export async function runParts(parts: PartModule<any>[], options: StartOptions = {}): Promise<RunningPart[]> {
  const running: RunningPart[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = (code: number) =>
    (stopping ??= (async () => {
      await Promise.allSettled(running.map((p) => p.stop()));
      await options.afterStop?.();
      process.exit(code);
    })());
  // Handlers go in first: a Ctrl-C while parts are still starting stops what has started, cleanly.
  let signalled = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      signalled = true;
      if (!starting) void stopAll(0);
    });
  }
  let starting = true;
  try {
    for (const part of parts) {
      running.push(await startPart(part, options));
      if (signalled) break;
    }
  } catch (err) {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`startup failed: ${(err as Error).stack ?? String(err)}\n`);
    await stopAll(1);
  }
  starting = false;
  if (signalled) await stopAll(0);
  return running;
}
