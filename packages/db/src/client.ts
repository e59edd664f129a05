import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.js";
import { parseDatabaseUrl } from "./url.js";

export interface CreatePrismaOptions {
  /** Maximum connections in the pg pool. Default 10 (pg's own default). */
  poolSize?: number;
  /** How long to wait for a free/new connection before failing, ms. Default 5000. */
  connectionTimeoutMs?: number;
  /** Called on errors of idle pooled connections (e.g. the server restarted). */
  onPoolError?: (err: Error) => void;
}

/**
 * A Prisma client over a `pg` pool (Prisma 7 driver adapter; no query-engine binary involved).
 * Models carry their Postgres schema (`@@schema`), so no search_path or `?schema=` is needed;
 * a `?schema=` parameter in the URL is removed because pg would send it to the server.
 * Call `$disconnect()` on shutdown to close the pool.
 */
export function createPrisma(databaseUrl: string, options: CreatePrismaOptions = {}): PrismaClient {
  const { connectionString } = parseDatabaseUrl(databaseUrl);
  const adapter = new PrismaPg(
    {
      connectionString,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    },
    // Without a listener an idle client's error would be an uncaught exception that kills the
    // service; the default keeps the process up and lets the next query report the failure.
    { onPoolError: options.onPoolError ?? (() => undefined) },
  );
  return new PrismaClient({ adapter });
}
