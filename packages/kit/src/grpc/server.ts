import * as grpc from "@grpc/grpc-js";
import type { ServerSurfaceCall } from "@grpc/grpc-js/build/src/server-call.js";
import { HealthImplementation } from "grpc-health-check";
import { ReflectionService } from "@grpc/reflection";
import type { Logger } from "pino";
import { acceptRequestId, runWithContext, type RequestContext } from "../context.js";
import { HttpError, PROBLEM_METADATA_KEY, httpToGrpcStatus, toHttpError } from "../errors.js";
import { IDENTITY_HEADER, verifyIdentity } from "../identity.js";
import type { Lifecycle } from "../lifecycle.js";
import type { Metrics } from "../metrics.js";
import { loadProto, serviceDefinition } from "./proto.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- handlers are typed by each service against its generated types */
export type UnaryHandler = (req: any, call: grpc.ServerUnaryCall<any, any>) => Promise<any>;
export type StreamHandler = (req: any, call: grpc.ServerWritableStream<any, any>) => AsyncIterable<any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface GrpcServiceRegistration {
  /** Proto file under proto/, e.g. "crm/auth/v1/auth.proto". */
  file: string;
  /** Fully qualified service name, e.g. "crm.auth.v1.AuthService". */
  service: string;
  handlers: Record<string, UnaryHandler | StreamHandler>;
}

export interface GrpcServerOptions {
  logger: Logger;
  metrics: Metrics;
  lifecycle: Lifecycle;
  meshSecret: string;
  services: GrpcServiceRegistration[];
}

export interface GrpcServerHandle {
  server: grpc.Server;
  listen(host: string, port: number): Promise<number>;
  /** Stops taking calls, waits for in-flight ones up to timeoutMs, then forces. */
  shutdown(timeoutMs: number): Promise<void>;
}

function contextFrom(call: ServerSurfaceCall, secret: string): RequestContext | undefined {
  const token = call.metadata.get(IDENTITY_HEADER)[0];
  const identityToken = typeof token === "string" ? token : undefined;
  const identity = verifyIdentity(secret, identityToken);
  if (!identity || !identityToken) return undefined;
  const ctx: RequestContext = {
    requestId: acceptRequestId(call.metadata.get("x-request-id")[0]),
    identity,
    identityToken,
  };
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  if (Number.isFinite(ms)) ctx.deadline = ms;
  return ctx;
}

function toServiceError(err: unknown, requestId: string): grpc.ServiceError {
  const error = toHttpError(err);
  const metadata = new grpc.Metadata();
  const problem = { ...error.toProblem(requestId), ...(error.retryAfter ? { retryAfter: error.retryAfter } : {}) };
  metadata.set(PROBLEM_METADATA_KEY, Buffer.from(JSON.stringify(problem)));
  return Object.assign(new Error(error.message), {
    code: httpToGrpcStatus(error.status),
    details: error.message,
    metadata,
  });
}

export function createGrpcServer(opts: GrpcServerOptions): GrpcServerHandle {
  const { logger, metrics, lifecycle, meshSecret } = opts;
  const server = new grpc.Server({
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
    // Clients reconnect every few minutes, so replicas added behind a Kubernetes Service (HPA)
    // get their share of long-lived gRPC connections; in-flight calls get a grace period.
    "grpc.max_connection_age_ms": 5 * 60_000,
    "grpc.max_connection_age_grace_ms": 30_000,
  });
  const statusMap: Record<string, "SERVING" | "NOT_SERVING"> = { "": "SERVING" };
  const definitions = [];

  for (const reg of opts.services) {
    const pkg = loadProto(reg.file);
    definitions.push(pkg);
    const definition = serviceDefinition(pkg, reg.service);
    const impl: grpc.UntypedServiceImplementation = {};
    for (const [method, spec] of Object.entries(definition)) {
      const handler = reg.handlers[method] ?? reg.handlers[spec.originalName ?? method];
      if (!handler) throw new Error(`${reg.service}.${method} has no handler`);
      const label = `${reg.service}/${method}`;
      const run = async (call: ServerSurfaceCall, body: (ctx: RequestContext) => Promise<void>) => {
        const started = performance.now();
        const ctx = contextFrom(call, meshSecret);
        let code = grpc.status.OK;
        lifecycle.enter();
        try {
          if (!ctx) throw new HttpError(401, "gRPC calls must carry a valid mesh identity");
          // A callee never works past its caller's deadline: the remaining time is in ctx.deadline.
          await runWithContext(ctx, () => body(ctx));
        } catch (err) {
          const serviceError = toServiceError(err, ctx?.requestId ?? "");
          code = serviceError.code;
          if (code === grpc.status.INTERNAL || code === grpc.status.UNKNOWN)
            logger.error({ err, method: label }, "grpc handler failed");
          throw serviceError;
        } finally {
          lifecycle.leave();
          metrics.grpcDuration.observe(
            { method: label, code: grpc.status[code] },
            (performance.now() - started) / 1000,
          );
        }
      };
      if (spec.responseStream) {
        impl[method] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
          run(call, async () => {
            for await (const item of (handler as StreamHandler)(call.request, call)) {
              if (call.cancelled) return;
              if (!call.write(item)) await new Promise((r) => call.once("drain", r));
            }
          }).then(
            () => call.end(),
            // emit("error") sends the status to the caller; destroy(err) would leave it waiting out its deadline.
            (err: grpc.ServiceError) => call.emit("error", err),
          );
        };
      } else {
        impl[method] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
          let result: unknown;
          run(call, async () => {
            result = await (handler as UnaryHandler)(call.request, call);
          }).then(
            () => callback(null, result),
            (err: grpc.ServiceError) => callback(err),
          );
        };
      }
    }
    server.addService(definition, impl);
    statusMap[reg.service] = "SERVING";
  }

  const health = new HealthImplementation(statusMap);
  health.addToServer(server);
  if (definitions.length > 0) {
    const merged = Object.assign({}, ...definitions);
    new ReflectionService(merged).addToServer(server);
  }

  return {
    server,
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
          err ? reject(err) : resolve(bound),
        );
      }),
    shutdown: (timeoutMs) =>
      new Promise<void>((resolve) => {
        for (const name of Object.keys(statusMap)) health.setStatus(name, "NOT_SERVING");
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, timeoutMs);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
