import { status as GrpcStatus } from "@grpc/grpc-js";
import type { ZodError } from "zod";

export interface FieldError {
  path: string;
  message: string;
}

/** An RFC 9457 problem document, as every error leaves a service. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** An error meant for the caller: its status, title and detail are safe to show. */
export class HttpError extends Error {
  readonly status: number;
  readonly title: string;
  readonly extensions: Record<string, unknown>;
  /** Seconds, sent as Retry-After. */
  readonly retryAfter?: number;

  constructor(
    status: number,
    detail: string,
    options: { title?: string; extensions?: Record<string, unknown>; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.title = options.title ?? TITLES[status] ?? "Error";
    this.extensions = options.extensions ?? {};
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }

  toProblem(requestId?: string): Problem {
    return {
      type: problemType(this.status),
      title: this.title,
      status: this.status,
      detail: this.message,
      ...(requestId ? { requestId } : {}),
      ...this.extensions,
    };
  }
}

export function problemType(status: number): string {
  return `https://codereview-mesh.dev/problems/${status}`;
}

export const badRequest = (detail: string, errors?: FieldError[]) =>
  new HttpError(400, detail, errors ? { extensions: { errors } } : {});
export const unauthorized = (detail = "Missing or invalid credentials") => new HttpError(401, detail);
export const forbidden = (detail = "You are not allowed to do this") => new HttpError(403, detail);
export const notFound = (what = "Resource") => new HttpError(404, `${what} not found`);
export const conflict = (detail: string) => new HttpError(409, detail);
export const tooLarge = (detail: string) => new HttpError(413, detail);
export const tooManyRequests = (detail: string, retryAfter: number, extensions: Record<string, unknown> = {}) =>
  new HttpError(429, detail, { retryAfter, extensions });
export const unavailable = (dependency: string, detail?: string) =>
  new HttpError(503, detail ?? `Dependency '${dependency}' is unavailable`, { extensions: { dependency } });

/** Turns zod issues into the contract's `errors: [{ path, message }]`. */
export function fromZodError(error: ZodError, where = "body"): HttpError {
  const errors = error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  return badRequest(`Invalid request ${where}: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`, errors);
}

/** Any thrown value → an HttpError the caller may see; unknown errors become a bare 500. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const grpc = err as { code?: unknown; details?: unknown; metadata?: unknown };
  if (typeof grpc?.code === "number" && grpc.metadata !== undefined) return fromGrpcError(grpc as GrpcLikeError);
  const store = unreachableStore(err);
  if (store)
    return new HttpError(503, `Dependency '${store}' is unavailable`, {
      extensions: { dependency: store },
      cause: err,
    });
  return new HttpError(500, "An unexpected error occurred", { cause: err });
}

// Connection-level failures of PostgreSQL (pg/Prisma codes) and sockets: the store is down or
// restarting, which is a 503 the caller may retry, not a bug.
const DB_CODES = new Set([
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "P1001",
  "P1002",
  "P1017",
  "P2024",
]);
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH"]);
const DB_MESSAGES =
  /Can't reach database|Connection terminated|Server has closed the connection|connection timeout|timeout exceeded when trying to connect|database system is (shutting down|starting up|in recovery)|Code: `(57P0[123]|08\d\d\d)`/i;
/** Prisma's driver-adapter error kinds that mean the connection, not the query, failed. */
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
type AdapterCause = { kind?: string; originalCode?: string };

function unreachableStore(err: unknown): string | undefined {
  let socket = false;
  for (
    let e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | undefined, i = 0;
    e && i < 6;
    e = e.cause as typeof e, i++
  ) {
    const code = typeof e.code === "string" ? e.code : undefined;
    if (code && DB_CODES.has(code)) return "postgres";
    const adapter = (e as { meta?: { driverAdapterError?: { cause?: AdapterCause } } }).meta?.driverAdapterError?.cause;
    if (adapter && (ADAPTER_KINDS.has(adapter.kind ?? "") || DB_CODES.has(adapter.originalCode ?? "")))
      return "postgres";
    if (e.name === "PrismaClientInitializationError" || (typeof e.message === "string" && DB_MESSAGES.test(e.message)))
      return "postgres";
    if (code && SOCKET_CODES.has(code)) socket = true;
    if (
      typeof e.message === "string" &&
      /Stream isn't writeable|Connection is closed|MaxRetriesPerRequest/.test(e.message)
    )
      return "redis";
  }
  return socket ? "upstream" : undefined;
}

// --- gRPC status ↔ HTTP status -----------------------------------------------------------------

const HTTP_TO_GRPC: Record<number, GrpcStatus> = {
  400: GrpcStatus.INVALID_ARGUMENT,
  401: GrpcStatus.UNAUTHENTICATED,
  403: GrpcStatus.PERMISSION_DENIED,
  404: GrpcStatus.NOT_FOUND,
  409: GrpcStatus.ALREADY_EXISTS,
  412: GrpcStatus.FAILED_PRECONDITION,
  413: GrpcStatus.OUT_OF_RANGE,
  429: GrpcStatus.RESOURCE_EXHAUSTED,
  499: GrpcStatus.CANCELLED,
  501: GrpcStatus.UNIMPLEMENTED,
  503: GrpcStatus.UNAVAILABLE,
  504: GrpcStatus.DEADLINE_EXCEEDED,
};

const GRPC_TO_HTTP: Partial<Record<GrpcStatus, number>> = {
  [GrpcStatus.OK]: 200,
  [GrpcStatus.CANCELLED]: 499,
  [GrpcStatus.INVALID_ARGUMENT]: 400,
  [GrpcStatus.DEADLINE_EXCEEDED]: 504,
  [GrpcStatus.NOT_FOUND]: 404,
  [GrpcStatus.ALREADY_EXISTS]: 409,
  [GrpcStatus.PERMISSION_DENIED]: 403,
  [GrpcStatus.RESOURCE_EXHAUSTED]: 429,
  [GrpcStatus.FAILED_PRECONDITION]: 412,
  [GrpcStatus.ABORTED]: 409,
  [GrpcStatus.OUT_OF_RANGE]: 413,
  [GrpcStatus.UNIMPLEMENTED]: 501,
  [GrpcStatus.INTERNAL]: 500,
  [GrpcStatus.UNAVAILABLE]: 503,
  [GrpcStatus.DATA_LOSS]: 500,
  [GrpcStatus.UNAUTHENTICATED]: 401,
  [GrpcStatus.UNKNOWN]: 500,
};

export function httpToGrpcStatus(status: number): GrpcStatus {
  return HTTP_TO_GRPC[status] ?? (status >= 500 ? GrpcStatus.INTERNAL : GrpcStatus.FAILED_PRECONDITION);
}

export function grpcToHttpStatus(code: GrpcStatus): number {
  return GRPC_TO_HTTP[code] ?? 500;
}

export interface GrpcLikeError {
  code: GrpcStatus;
  details?: string;
  metadata?: { get(key: string): unknown[] };
}

/** Problem extensions travel in trailing metadata so a peer's 429/409 keeps its details. */
export const PROBLEM_METADATA_KEY = "x-problem-bin";

export function fromGrpcError(err: GrpcLikeError): HttpError {
  const raw = err.metadata?.get(PROBLEM_METADATA_KEY)[0];
  if (raw instanceof Buffer) {
    try {
      const p = JSON.parse(raw.toString("utf8")) as Problem & { retryAfter?: number };
      const { type: _t, title, status, detail, requestId: _r, retryAfter, ...extensions } = p;
      return new HttpError(status, detail, { title, extensions, ...(retryAfter ? { retryAfter } : {}) });
    } catch {
      // fall through to the status-only mapping
    }
  }
  const status = grpcToHttpStatus(err.code);
  const detail = status >= 500 && status !== 503 && status !== 504 ? "Upstream call failed" : (err.details ?? "");
  return new HttpError(status, detail || (TITLES[status] ?? "Error"));
}
