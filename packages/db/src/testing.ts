import { randomBytes } from "node:crypto";
import { dropDatabase, ensureDatabase } from "./database.js";
import type { DbLog } from "./log.js";
import { migrate } from "./migrate.js";
import { withDatabase } from "./url.js";

export interface CreateTestDatabaseOptions {
  /** Any URL on the target server; default env TEST_DATABASE_URL or the local trust-auth server. */
  serverUrl?: string;
  /** Migrations to apply; default the repo's prisma/migrations. */
  migrationsDir?: string;
  /** Set false for an empty database (e.g. to test the migrator itself). Default true. */
  migrate?: boolean;
  log?: DbLog;
}

export interface TestDatabase {
  /** URL of the new database, ready for `createPrisma(url)`. */
  url: string;
  /** Its name, `crm_t_<random>`. */
  name: string;
  /** Drops the database, disconnecting anything still connected. Idempotent. */
  drop(): Promise<void>;
}

export const DEFAULT_TEST_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

/**
 * A fresh, fully migrated database of its own for one test file or test: tests can run in
 * parallel (node --test runs files concurrently) without seeing each other's rows.
 *
 * Usage: `const db = await createTestDatabase(); after(() => db.drop());`
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = options.serverUrl ?? process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_SERVER_URL;
  const name = `crm_t_${randomBytes(6).toString("hex")}`;
  const url = withDatabase(serverUrl, name);
  await ensureDatabase(url);
  let dropped = false;
  const drop = async (): Promise<void> => {
    if (dropped) return;
    dropped = true;
    await dropDatabase(url);
  };
  if (options.migrate !== false) {
    try {
      await migrate({ databaseUrl: url, migrationsDir: options.migrationsDir, log: options.log });
    } catch (err) {
      await drop().catch(() => undefined); // don't leave a half-migrated database behind
      throw err;
    }
  }
  return { url, name, drop };
}
