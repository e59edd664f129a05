/**
 * Connection-URL helpers. Prisma URLs may carry a `schema` query parameter that `pg` does not
 * understand (it would be sent to the server as an unknown startup setting), so it is split off.
 */

export interface ParsedDatabaseUrl {
  /** The URL to hand to `pg`, without Prisma-only parameters. */
  connectionString: string;
  /** Database name from the URL path. */
  database: string;
  /** Prisma's `?schema=` (where `_prisma_migrations` lives); "public" when absent. */
  schema: string;
}

export function parseDatabaseUrl(databaseUrl: string): ParsedDatabaseUrl {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    // Never echo the URL itself: it usually contains a password.
    throw new Error("database URL is not a valid URL (expected postgresql://user@host:port/db)");
  }
  if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") {
    throw new Error(`database URL must use postgresql://, got ${url.protocol}//`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (database === "") throw new Error("database URL names no database (path is empty)");
  const schema = url.searchParams.get("schema") ?? "public";
  url.searchParams.delete("schema");
  return { connectionString: url.toString(), database, schema };
}

/** Same server and credentials, different database. */
export function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  url.searchParams.delete("schema");
  return url.toString();
}

/** The URL with any password replaced, safe to print. */
export function redactUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password !== "") url.password = "***";
    return url.toString();
  } catch {
    return "<invalid url>";
  }
}
