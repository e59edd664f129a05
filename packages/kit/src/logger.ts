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
      base: { service: name },
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
