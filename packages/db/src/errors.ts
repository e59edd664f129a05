/** Why a migration run stopped. Stable strings so callers and tests can branch on them. */
export type MigrationErrorCode =
  /** An applied migration's migration.sql changed after it was applied. */
  | "CHECKSUM_MISMATCH"
  /** `_prisma_migrations` records a migration as applied but its folder is gone. */
  | "MISSING_MIGRATION_FOLDER"
  /** A recorded migration started but never finished (crashed or failed outside our migrator). */
  | "UNFINISHED_MIGRATION"
  /** A pending migration's SQL failed; its transaction was rolled back. */
  | "MIGRATION_FAILED"
  /** Another migrator held the advisory lock for longer than the timeout. */
  | "LOCK_TIMEOUT";

export class MigrationError extends Error {
  override readonly name = "MigrationError";

  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    /** The migration the error is about, when there is one. */
    readonly migration: string | undefined,
    /** Migrations this run had applied (and committed) before it stopped. */
    readonly applied: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
