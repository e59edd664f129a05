/**
 * @crm/db: the mesh's data layer shared by every service.
 *
 * - `createPrisma(url)`: the generated Prisma client over a pg pool.
 * - `migrate({ databaseUrl })`: applies prisma/migrations (Prisma-compatible bookkeeping).
 * - `ensureDatabase(url)`: creates the database if missing.
 * - `startEmbeddedPostgres(...)`: a real PostgreSQL from npm for `npm start` without Docker.
 * Test helpers live in `@crm/db/testing`.
 */
export { createPrisma, type CreatePrismaOptions } from "./client.js";
export { migrate, type MigrateOptions, type MigrateResult } from "./migrate.js";
export { MigrationError, type MigrationErrorCode } from "./errors.js";
export { migrationChecksum } from "./checksum.js";
export { ensureDatabase, dropDatabase } from "./database.js";
export { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from "./embedded.js";
export { parseDatabaseUrl, redactUrl, withDatabase, type ParsedDatabaseUrl } from "./url.js";
export { defaultMigrationsDir, defaultSchemaDir } from "./paths.js";
export type { DbLog, LoggerLike, LogCallback, LogFields, LogLevel } from "./log.js";

// The generated client: PrismaClient, the Prisma namespace (input types, errors such as
// Prisma.PrismaClientKnownRequestError), one type per model (User, ApiKey, ...) and enums.
// Re-exported wholesale so models other services add appear here without editing this file.
export * from "./generated/prisma/client.js";
