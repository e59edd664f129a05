import { randomUUID } from "node:crypto";
import type pg from "pg";

/**
 * Access to Prisma's `_prisma_migrations` bookkeeping table. The table layout is Prisma's own
 * (schema-engine sql-schema-connector, postgres flavour) so that `prisma migrate status` and
 * friends read our records correctly should the real schema engine ever be used here.
 */

export interface MigrationRecord {
  id: string;
  migrationName: string;
  checksum: string;
  finishedAt: Date | null;
  rolledBackAt: Date | null;
  logs: string | null;
}

const quote = (ident: string): string => `"${ident.replaceAll('"', '""')}"`;

export class MigrationsTable {
  private readonly table: string;

  constructor(
    private readonly client: pg.Client,
    private readonly schema: string,
  ) {
    this.table = `${quote(schema)}."_prisma_migrations"`;
  }

  /** Must run while holding the advisory lock: concurrent CREATE TABLE IF NOT EXISTS can race. */
  async ensure(): Promise<void> {
    if (this.schema !== "public") await this.client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(this.schema)}`);
    await this.client.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`);
  }

  async list(): Promise<MigrationRecord[]> {
    const { rows } = await this.client.query<{
      id: string;
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
      logs: string | null;
    }>(
      `SELECT id, migration_name, checksum, finished_at, rolled_back_at, logs
         FROM ${this.table} ORDER BY started_at, migration_name`,
    );
    return rows.map((r) => ({
      id: r.id,
      migrationName: r.migration_name,
      checksum: r.checksum,
      finishedAt: r.finished_at,
      rolledBackAt: r.rolled_back_at,
      logs: r.logs,
    }));
  }

  /** Records a successful migration; call inside the migration's own transaction. */
  async recordApplied(name: string, checksum: string, startedAt: Date): Promise<void> {
    await this.client.query(
      `INSERT INTO ${this.table}
         (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, $4, clock_timestamp(), 1)`,
      [randomUUID(), checksum, name, startedAt],
    );
  }

  /**
   * Records a failed attempt after its transaction rolled back. `rolled_back_at` is set because
   * nothing of it remains in the database: Prisma treats such rows as history, so the next run
   * retries the (fixed) migration instead of refusing to start.
   */
  async recordRolledBack(name: string, checksum: string, startedAt: Date, logs: string): Promise<void> {
    await this.client.query(
      `INSERT INTO ${this.table}
         (id, checksum, migration_name, started_at, logs, rolled_back_at, applied_steps_count)
       VALUES ($1, $2, $3, $4, $5, clock_timestamp(), 0)`,
      [randomUUID(), checksum, name, startedAt, logs],
    );
  }
}
