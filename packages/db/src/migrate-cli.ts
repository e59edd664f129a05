#!/usr/bin/env node
/**
 * `npm run migrate`: applies prisma/migrations to DATABASE_URL, creating the database first if
 * it does not exist. Output is JSON lines (stdout; the failure line on stderr) so it reads like
 * every other log in the mesh. Exit 0 when up to date, 1 on any failure.
 *
 * Env: DATABASE_URL (required), MIGRATIONS_DIR (optional, default the repo's prisma/migrations).
 */
import { ensureDatabase } from "./database.js";
import { MigrationError } from "./errors.js";
import type { LogCallback } from "./log.js";
import { migrate } from "./migrate.js";
import { parseDatabaseUrl } from "./url.js";

const line = (stream: NodeJS.WriteStream, level: string, obj: Record<string, unknown>, msg: string): void => {
  stream.write(`${JSON.stringify({ level, time: new Date().toISOString(), name: "migrate", msg, ...obj })}\n`);
};

const log: LogCallback = (level, obj, msg) => {
  if (level !== "debug") line(process.stdout, level, obj, msg);
};

/** Node reports "localhost" connection failures as an AggregateError with an empty message. */
function describe(err: unknown): string {
  if (err instanceof AggregateError && !err.message) return err.errors.map(describe).join("; ");
  if (err instanceof Error) return err.message || (err as { code?: string }).code || err.name;
  return String(err);
}

async function main(): Promise<number> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    line(process.stderr, "error", {}, "DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/codereview)");
    return 1;
  }
  try {
    parseDatabaseUrl(databaseUrl);
  } catch (err) {
    line(process.stderr, "error", {}, `DATABASE_URL is invalid: ${(err as Error).message}`);
    return 1;
  }
  try {
    const { created } = await ensureDatabase(databaseUrl);
    if (created) log("info", {}, "database created");
  } catch (err) {
    // Not fatal: a role without CREATEDB or without access to the `postgres` database can still
    // migrate an existing database. If the database is really missing, migrate says so next.
    log("warn", { err: (err as Error).message }, "could not check/create the database; continuing");
  }
  try {
    const { applied } = await migrate({ databaseUrl, migrationsDir: process.env.MIGRATIONS_DIR || undefined, log });
    line(process.stdout, "info", { applied }, "migrate finished");
    return 0;
  } catch (err) {
    const fields =
      err instanceof MigrationError
        ? { code: err.code, migration: err.migration, applied: err.applied }
        : { code: (err as { code?: string }).code };
    line(process.stderr, "error", fields, `migrate failed: ${describe(err)}`);
    return 1;
  }
}

process.exitCode = await main();
