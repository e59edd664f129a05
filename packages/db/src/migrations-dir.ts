import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { migrationChecksum } from "./checksum.js";

/** One `prisma/migrations/<name>/migration.sql` folder. */
export interface MigrationFile {
  /** Folder name, e.g. `20261122000000_auth_init`; also the `migration_name` recorded. */
  name: string;
  /** The SQL exactly as on disk. */
  script: string;
  /** sha256 hex of the file bytes (what Prisma records). */
  checksum: string;
}

/**
 * Reads every migration folder, sorted by name (the timestamp prefix makes that the order they
 * were written in, which is also the order Prisma applies them). Plain files such as
 * migration_lock.toml are skipped; a folder without migration.sql is an error, as in Prisma,
 * because silently skipping it would let a half-committed migration go unnoticed.
 */
export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new Error(`cannot read migrations directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
  await checkLockFile(
    dir,
    entries.some((e) => e.isFile() && e.name === "migration_lock.toml"),
  );

  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    // Byte order, not locale order, so every machine sorts the same way.
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  return Promise.all(
    names.map(async (name) => {
      const path = join(dir, name, "migration.sql");
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch {
        throw new Error(`migration folder ${name} has no migration.sql (${path})`);
      }
      return { name, script: bytes.toString("utf8"), checksum: migrationChecksum(bytes) };
    }),
  );
}

/** A lock file for another provider means these migrations were written for another database. */
async function checkLockFile(dir: string, present: boolean): Promise<void> {
  if (!present) return;
  const text = await readFile(join(dir, "migration_lock.toml"), "utf8");
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(text)?.[1];
  if (provider !== undefined && provider !== "postgresql") {
    throw new Error(`migrations in ${dir} are for provider "${provider}", not "postgresql"`);
  }
}
