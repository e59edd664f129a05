import { pino, type Logger, type DestinationStream } from "pino";
import { currentContext } from "./context.js";

export type { Logger } from "pino";

const SECRET_KEYS = [
  "password",
  "newPassword",
  "passwordHash",
  "token",
  "accessToken",
  "refreshToken",
  "apiKey",
  "api_key",
  "key",
  "secret",
  "privateKey",
  "privateJwk",
  "authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "x-mesh-identity",
];

/** Secrets are cut wherever they sit up to two levels deep, plus the usual header places. */
export const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((k) => [`["${k}"]`, `*["${k}"]`, `*.*["${k}"]`]),
  'req.headers["authorization"]',
  'req.headers["cookie"]',
  'req.headers["x-api-key"]',
  'req.headers["x-mesh-identity"]',
  'res.headers["set-cookie"]',
];

export interface LoggerOptions {
  name: string;
  level?: string;
  destination?: DestinationStream;
}

export function createLogger({ name, level = "info", destination }: LoggerOptions): Logger {
  return pino(
    {
      name,
      level,
      base: { service: name, pid: process.pid },
      // Errors are logged as type, message, code and stack only: driver errors carry their
      // whole client (config, sockets) as enumerable fields, which would flood every line.
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
      // Every line written inside a request carries its id, without threading loggers through.
      mixin() {
        const ctx = currentContext();
        return ctx ? { requestId: ctx.requestId } : {};
      },
    },
    destination ?? pino.destination({ sync: false }),
  );
}

export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { code?: unknown; cause?: unknown };
  const out: Record<string, unknown> = { type: e.name, message: e.message, stack: e.stack };
  if (typeof e.code === "string" || typeof e.code === "number") out.code = e.code;
  if (e.cause instanceof Error) out.cause = { type: e.cause.name, message: e.cause.message };
  return out;
}
