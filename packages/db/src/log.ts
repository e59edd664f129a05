/**
 * Logging for @crm/db. The package never writes to the console itself: callers hand in a
 * pino logger (or anything with the same `info(obj, msg)` shape) or a plain callback, and by
 * default nothing is logged at all.
 */

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** A pino-like logger; only `info` is required, the other levels are used when present. */
export interface LoggerLike {
  info(obj: LogFields, msg: string): void;
  warn?(obj: LogFields, msg: string): void;
  debug?(obj: LogFields, msg: string): void;
}

/** A bare callback receives every line with its level. */
export type LogCallback = (level: LogLevel, obj: LogFields, msg: string) => void;

export type LogLevel = "debug" | "info" | "warn";

/** What the public functions accept as their `log` option. */
export type DbLog = LoggerLike | LogCallback;

/** Internal normalised form: always has every level, each may be a no-op. */
export interface Log {
  debug(obj: LogFields, msg: string): void;
  info(obj: LogFields, msg: string): void;
  warn(obj: LogFields, msg: string): void;
}

const noop = (): void => {};

export function toLog(log: DbLog | undefined): Log {
  if (log === undefined) return { debug: noop, info: noop, warn: noop };
  if (typeof log === "function") {
    return {
      debug: (obj, msg) => log("debug", obj, msg),
      info: (obj, msg) => log("info", obj, msg),
      warn: (obj, msg) => log("warn", obj, msg),
    };
  }
  // Bind so that pino's methods keep their `this`. Missing levels degrade: warn falls back to
  // info (a warning must not vanish), debug is simply dropped.
  return {
    debug: log.debug ? log.debug.bind(log) : noop,
    info: log.info.bind(log),
    warn: log.warn ? log.warn.bind(log) : log.info.bind(log),
  };
}
