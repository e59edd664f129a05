import pg from "pg";
import { scriptMatchesChecksum } from "./checksum.js";
import { MigrationError } from "./errors.js";
import { toLog, type DbLog, type Log } from "./log.js";
import { readMigrations, type MigrationFile } from "./migrations-dir.js";
import { MigrationsTable, type MigrationRecord } from "./migrations-table.js";
import { defaultMigrationsDir } from "./paths.js";
import { parseDatabaseUrl } from "./url.js";

export interface MigrateOptions {
  databaseUrl: string;
  /** Folder of `<timestamp>_<name>/migration.sql`; defaults to the repo's prisma/migrations. */
  migrationsDir?: string;
  log?: DbLog;
  /** How long to wait for another migrator's advisory lock. Default 120 s. */
  lockTimeoutMs?: number;
}

export interface MigrateResult {
  /** Names of the migrations this call applied, in order (empty when up to date). */
  applied: string[];
}

/**
 * The key Prisma's schema engine locks with (`pg_advisory_lock(72707369)`). Sharing it means our
 * migrator and a real `prisma migrate deploy` also exclude each other.
 */
const ADVISORY_LOCK_KEY = 72707369;
const LOCK_POLL_MS = 100;

/**
 * Applies pending migrations, like `prisma migrate deploy` but with each migration in its own
 * transaction (a failing one leaves nothing behind). Runs under a session advisory lock so that
 * services starting together migrate once and the others wait, then find nothing to do.
 *
 * Before applying anything it checks the recorded history against the folder and refuses to
 * run when they disagree: an applied migration edited afterwards, a recorded migration whose
 * folder is gone, or a recorded migration that never finished. Those need a human.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const log = toLog(options.log);
  const dir = options.migrationsDir ?? defaultMigrationsDir;
  const { connectionString, schema } = parseDatabaseUrl(options.databaseUrl);
  // Read (and checksum) the files before touching the database: a broken folder fails fast.
  const files = await readMigrations(dir);

  const client = new pg.Client({ connectionString, application_name: "crm-migrate" });
  // An idle client that loses its connection emits 'error'; without a listener that would crash
  // the process instead of surfacing as the rejected query below.
  client.on("error", (err) => log.warn({ err: err.message }, "migration connection error"));
  await client.connect();
  try {
    await acquireLock(client, options.lockTimeoutMs ?? 120_000, log);
    try {
      const table = new MigrationsTable(client, schema);
      await table.ensure();
      const pending = checkHistory(files, await table.list(), dir);
      const applied: string[] = [];
      for (const file of pending) {
        await applyOne(client, table, file, applied, log);
        applied.push(file.name);
      }
      log.info({ applied, total: files.length }, applied.length ? "migrations applied" : "database is up to date");
      return { applied };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [ADVISORY_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Polls pg_try_advisory_lock rather than blocking in pg_advisory_lock so the wait has a
 * deadline and is visible in our logs, without touching the session's lock_timeout (which
 * would then also apply to the migrations' own DDL).
 */
async function acquireLock(client: pg.Client, timeoutMs: number, log: Log): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
      ADVISORY_LOCK_KEY,
    ]);
    if (rows[0]?.locked === true) return;
    if (!announced) {
      log.info({}, "another migrator holds the migration lock; waiting");
      announced = true;
    }
    if (Date.now() >= deadline) {
      throw new MigrationError(
        "LOCK_TIMEOUT",
        `timed out after ${timeoutMs} ms waiting for the migration advisory lock (${ADVISORY_LOCK_KEY}); ` +
          "another migrator is still running or a session is stuck holding it",
        undefined,
        [],
      );
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/** Validates recorded history against the folder; returns the migrations still to apply. */
function checkHistory(files: MigrationFile[], records: MigrationRecord[], dir: string): MigrationFile[] {
  const byName = new Map(files.map((f) => [f.name, f]));
  const applied = new Set<string>();
  for (const record of records) {
    if (record.rolledBackAt !== null) continue; // a rolled-back attempt is history only
    const name = record.migrationName;
    if (record.finishedAt === null) {
      throw new MigrationError(
        "UNFINISHED_MIGRATION",
        `migration ${name} is recorded as started but not finished` +
          (record.logs ? ` (logs: ${record.logs.trim()})` : "") +
          `. Inspect the database, then mark it rolled back (UPDATE _prisma_migrations SET rolled_back_at = now() WHERE id = '${record.id}') to retry it. Nothing was applied.`,
        name,
        [],
      );
    }
    const file = byName.get(name);
    if (file === undefined) {
      throw new MigrationError(
        "MISSING_MIGRATION_FOLDER",
        `migration ${name} is applied in the database but its folder is missing from ${dir}. ` +
          "Restore the folder (migrations are never deleted once applied). Nothing was applied.",
        name,
        [],
      );
    }
    if (!scriptMatchesChecksum(file.script, record.checksum)) {
      throw new MigrationError(
        "CHECKSUM_MISMATCH",
        `migration ${name} was modified after it was applied (recorded checksum ${record.checksum}, ` +
          `file now ${file.checksum}). Revert the edit and put the change in a new migration. Nothing was applied.`,
        name,
        [],
      );
    }
    applied.add(name);
  }
  return files.filter((f) => !applied.has(f.name));
}

async function applyOne(
  client: pg.Client,
  table: MigrationsTable,
  file: MigrationFile,
  appliedSoFar: readonly string[],
  log: Log,
): Promise<void> {
  const startedAt = new Date();
  log.info({ migration: file.name }, "applying migration");
  try {
    await client.query("BEGIN");
    // No parameters → simple-query protocol, which runs a multi-statement script as is.
    await client.query(file.script);
    await table.recordApplied(file.name, file.checksum, startedAt);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    const detail = describePgError(err, file.script);
    await table
      .recordRolledBack(file.name, file.checksum, startedAt, detail)
      .catch((recordErr: Error) => log.warn({ err: recordErr.message }, "could not record the failed migration"));
    log.warn({ migration: file.name, error: detail }, "migration failed and was rolled back");
    throw new MigrationError(
      "MIGRATION_FAILED",
      `migration ${file.name} failed and was rolled back: ${detail}`,
      file.name,
      appliedSoFar,
      { cause: err },
    );
  }
  log.info({ migration: file.name, durationMs: Date.now() - startedAt.getTime() }, "migration applied");
}

/** Postgres error text plus the line it points at, which is what one needs to fix the SQL. */
function describePgError(err: unknown, script: string): string {
  if (!(err instanceof Error)) return String(err);
  const pgErr = err as Error & { code?: string; position?: string };
  let text = pgErr.code ? `${pgErr.message} (SQLSTATE ${pgErr.code})` : pgErr.message;
  const position = Number(pgErr.position);
  if (Number.isInteger(position) && position > 0) {
    const line = script.slice(0, position - 1).split("\n").length;
    text += ` at line ${line}`;
  }
  return text;
}
