import pg from "pg";
import { parseDatabaseUrl, withDatabase } from "./url.js";

/**
 * Database-level housekeeping that has to happen from *another* database on the same server,
 * because you cannot create (or drop) the database you are connected to.
 */

const quoteIdent = (ident: string): string => `"${ident.replaceAll('"', '""')}"`;

/** Runs `fn` on a short-lived connection to the server's `postgres` maintenance database. */
async function withMaintenanceClient<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(databaseUrl, "postgres") });
  client.on("error", () => undefined); // surfaced by the failing query instead
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates the database named in `databaseUrl` when it does not exist yet. Safe to call from
 * several processes at once: losing the creation race counts as "already exists".
 */
export async function ensureDatabase(databaseUrl: string): Promise<{ created: boolean }> {
  const { database } = parseDatabaseUrl(databaseUrl);
  return withMaintenanceClient(databaseUrl, async (client) => {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (rowCount) return { created: false };
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
      return { created: true };
    } catch (err) {
      // 42P04 duplicate_database; 23505 when two CREATE DATABASE collide on pg_database's index.
      const code = (err as { code?: string }).code;
      if (code === "42P04" || code === "23505") return { created: false };
      throw err;
    }
  });
}

/**
 * Drops the database named in `databaseUrl` if it exists, disconnecting any sessions still on
 * it (a test that forgot to close its pool must not make cleanup fail). PostgreSQL >= 13.
 */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const { database } = parseDatabaseUrl(databaseUrl);
  await withMaintenanceClient(databaseUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
  });
}
