import * as grpc from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import type { Logger } from "pino";
import { Breaker, type BreakerOptions } from "../breaker.js";
import { currentContext, remainingMs } from "../context.js";
import { HttpError, PROBLEM_METADATA_KEY, fromGrpcError, unavailable, type GrpcLikeError } from "../errors.js";
import { IDENTITY_HEADER, signIdentity } from "../identity.js";
import type { Metrics } from "../metrics.js";
import { loadProto, serviceDefinition } from "./proto.js";

export interface GrpcClientOptions {
  /** The peer's name: it names breakers, metrics and the dependency in 503s. */
  peer: string;
  address: string;
  file: string;
  service: string;
  /** This part's name, used as the identity of calls made outside any request. */
  self: string;
  meshSecret: string;
  logger: Logger;
  metrics: Metrics;
  /** Deadline of a call when the caller has a later one (or none). */
  timeoutMs?: number;
  /** Methods safe to repeat; only these are retried, with backoff, on UNAVAILABLE. */
  idempotent?: string[];
  retries?: number;
  /** method → breaker group; methods not listed share the "default" group. */
  groups?: Record<string, string>;
  breaker?: BreakerOptions;
}

export interface CallOptions {
  timeoutMs?: number;
}

export interface GrpcClient {
  unary<Res>(method: string, request: object, options?: CallOptions): Promise<Res>;
  stream<Res>(method: string, request: object, options?: CallOptions): AsyncIterable<Res>;
  /** Throws unless the peer's grpc.health.v1 reports SERVING (a readiness check). */
  health(): Promise<void>;
  breaker(method: string): Breaker;
  breakers(): Breaker[];
  close(): void;
}

/** Peer failures count against the breaker; a peer's business answers (404, 409, 429…) do not. */
const PEER_FAILURES = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.INTERNAL,
  grpc.status.UNKNOWN,
]);

function isPeerFailure(err: unknown): boolean {
  const code = (err as { grpcCode?: number; code?: unknown }).grpcCode;
  return code === undefined || PEER_FAILURES.has(code);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createGrpcClient(opts: GrpcClientOptions): GrpcClient {
  const definition = serviceDefinition(loadProto(opts.file), opts.service);
  const channelOptions: grpc.ChannelOptions = {
    // Reconnect quickly after a peer restarts, so recovery needs no operator.
    "grpc.initial_reconnect_backoff_ms": 100,
    "grpc.max_reconnect_backoff_ms": 1000,
    "grpc.keepalive_time_ms": 30_000,
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
  };
  const Ctor = grpc.makeGenericClientConstructor(definition, opts.service);
  const client = new Ctor(opts.address, grpc.credentials.createInsecure(), channelOptions);
  const HealthCtor = grpc.makeGenericClientConstructor(healthService as unknown as grpc.ServiceDefinition, "Health");
  const healthClient = new HealthCtor(opts.address, grpc.credentials.createInsecure(), channelOptions);
  const idempotent = new Set(opts.idempotent ?? []);
  const maxRetries = opts.retries ?? 2;
  const defaultTimeout = opts.timeoutMs ?? 5000;
  const breakerMap = new Map<string, Breaker>();

  const breakerFor = (method: string): Breaker => {
    const group = opts.groups?.[method] ?? "default";
    let b = breakerMap.get(group);
    if (!b) {
      b = new Breaker(`${opts.peer}.${group}`, { ...opts.breaker, isFailure: isPeerFailure }, opts.metrics);
      breakerMap.set(group, b);
    }
    return b;
  };

  // Calls made outside any request (background work) carry this part's own identity; it is
  // signed once a minute rather than per call (HMAC + JSON on the hot path otherwise).
  let serviceToken = { value: "", renewAt: 0 };
  const serviceIdentity = () => {
    const now = Date.now();
    if (now >= serviceToken.renewAt) {
      const value = signIdentity(opts.meshSecret, { sub: opts.self, role: "service", via: "service" }, 120);
      serviceToken = { value, renewAt: now + 60_000 };
    }
    return serviceToken.value;
  };

  /** Deadline and metadata from the request in progress, or a service identity outside one. */
  const prepare = (method: string, options?: CallOptions) => {
    const ctx = currentContext();
    const left = remainingMs(ctx);
    const timeout = Math.min(options?.timeoutMs ?? defaultTimeout, left ?? Infinity);
    if (timeout <= 0) throw new HttpError(504, `No time left to call ${opts.peer}.${method}`);
    const metadata = new grpc.Metadata();
    if (ctx?.requestId) metadata.set("x-request-id", ctx.requestId);
    metadata.set(IDENTITY_HEADER, ctx?.identityToken ?? serviceIdentity());
    return { deadline: Date.now() + timeout, metadata };
  };

  const translate = (err: GrpcLikeError, method: string): HttpError => {
    let error: HttpError;
    // A peer that answered 503 itself says why (its problem rides in the trailers); a peer that
    // could not be reached at all is "unavailable" under its own name.
    const answered = (err.metadata?.get(PROBLEM_METADATA_KEY).length ?? 0) > 0;
    if (err.code === grpc.status.UNAVAILABLE && !answered) error = unavailable(opts.peer);
    else if (err.code === grpc.status.DEADLINE_EXCEEDED)
      error = new HttpError(504, `Dependency '${opts.peer}' did not answer ${method} in time`, {
        extensions: { dependency: opts.peer },
      });
    else error = fromGrpcError(err);
    return Object.assign(error, { grpcCode: err.code });
  };

  const once = <Res>(method: string, request: object, options?: CallOptions) =>
    new Promise<Res>((resolve, reject) => {
      const { deadline, metadata } = prepare(method, options);
      const fn = (client as unknown as Record<string, grpc.requestCallback<Res> & ((...a: unknown[]) => void)>)[method];
      if (!fn) throw new Error(`${opts.service} has no method ${method}`);
      fn.call(client, request, metadata, { deadline }, (err: grpc.ServiceError | null, res?: Res) =>
        err ? reject(translate(err, method)) : resolve(res as Res),
      );
    });

  return {
    async unary<Res>(method: string, request: object, options?: CallOptions): Promise<Res> {
      const breaker = breakerFor(method);
      for (let attempt = 0; ; attempt++) {
        try {
          return await breaker.fire(() => once<Res>(method, request, options), opts.peer);
        } catch (err) {
          const retryable =
            idempotent.has(method) &&
            attempt < maxRetries &&
            (err as { grpcCode?: number }).grpcCode === grpc.status.UNAVAILABLE;
          const backoff = 25 * 2 ** attempt + Math.random() * 25;
          if (!retryable || (remainingMs() ?? Infinity) < backoff) throw err;
          await sleep(backoff);
        }
      }
    },

    async *stream<Res>(method: string, request: object, options?: CallOptions): AsyncIterable<Res> {
      const breaker = breakerFor(method);
      // The breaker guards the opening of the stream: the first message or the end of it.
      const call = await breaker.fire(async () => {
        const { deadline, metadata } = prepare(method, options);
        const fn = (client as unknown as Record<string, (...a: unknown[]) => grpc.ClientReadableStream<Res>>)[method];
        if (!fn) throw new Error(`${opts.service} has no method ${method}`);
        return fn.call(client, request, metadata, { deadline });
      }, opts.peer);
      try {
        for await (const item of call) yield item as Res;
      } catch (err) {
        throw translate(err as grpc.ServiceError, method);
      }
    },

    health: () =>
      new Promise<void>((resolve, reject) => {
        const fn = (healthClient as unknown as Record<string, (...a: unknown[]) => void>).Check as (
          ...a: unknown[]
        ) => void;
        fn.call(
          healthClient,
          { service: "" },
          new grpc.Metadata(),
          { deadline: Date.now() + 1000 },
          (err: Error | null, res?: { status: string }) => {
            if (err) reject(new Error(`${opts.peer}: ${err.message}`));
            else if (res?.status !== "SERVING") reject(new Error(`${opts.peer}: ${res?.status ?? "no status"}`));
            else resolve();
          },
        );
      }),

    breaker: breakerFor,
    breakers: () => [...breakerMap.values()],
    close() {
      client.close();
      healthClient.close();
      for (const b of breakerMap.values()) b.shutdown();
    },
  };
}
