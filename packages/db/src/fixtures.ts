/**
 * Helpers shared by this package's tests (not exported from the package).
 * Kept out of `*.test.ts` names so `node --test dist/` does not run it as a test file.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { defaultMigrationsDir } from "./paths.js";

/** Runs one query on a short-lived connection. */
export async function query<R extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A scratch migrations folder, optionally seeded with a copy of the repo's migrations. */
export async function tempMigrationsDir(copyRepo = true): Promise<{ dir: string; remove(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "crm-migrations-"));
  const dir = join(root, "migrations");
  if (copyRepo) await cp(defaultMigrationsDir, dir, { recursive: true });
  else await mkdir(dir);
  return { dir, remove: () => rm(root, { recursive: true, force: true }) };
}

export async function writeMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(join(dir, name), { recursive: true });
  await writeFile(join(dir, name, "migration.sql"), sql);
}

export interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}

export function migrationRows(url: string): Promise<MigrationRow[]> {
  return query<MigrationRow>(
    url,
    `SELECT migration_name, checksum, finished_at, rolled_back_at, logs, applied_steps_count
       FROM _prisma_migrations ORDER BY started_at, migration_name`,
  );
}

export async function tableExists(url: string, qualified: string): Promise<boolean> {
  const rows = await query<{ t: string | null }>(url, "SELECT to_regclass($1)::text AS t", [qualified]);
  return rows[0]?.t !== null && rows[0]?.t !== undefined;
}
