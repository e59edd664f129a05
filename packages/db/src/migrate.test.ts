import assert from "node:assert/strict";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { migrationChecksum } from "./checksum.js";
import { MigrationError } from "./errors.js";
import { migrationRows, query, tableExists, tempMigrationsDir, writeMigration } from "./fixtures.js";
import { migrate } from "./migrate.js";
import { readMigrations } from "./migrations-dir.js";
import { defaultMigrationsDir } from "./paths.js";
import { createTestDatabase, type TestDatabase } from "./testing.js";

/** Each test gets an empty database of its own, dropped at the end of the file. */
const databases: TestDatabase[] = [];
async function emptyDb(): Promise<string> {
  const db = await createTestDatabase({ migrate: false });
  databases.push(db);
  return db.url;
}
after(() => Promise.all(databases.map((db) => db.drop())));

const rejectsWith = (promise: Promise<unknown>, code: string, migration: string) =>
  assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof MigrationError, `expected MigrationError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.migration, migration);
    assert.match(err.message, new RegExp(migration));
    return true;
  });

describe("migrate() with the repo's migrations", () => {
  let url: string;
  before(async () => {
    url = await emptyDb();
  });

  test("applies every migration on an empty database and records Prisma checksums", async () => {
    const files = await readMigrations(defaultMigrationsDir);
    assert.ok(files.length > 0);
    const { applied } = await migrate({ databaseUrl: url });
    assert.deepEqual(
      applied,
      files.map((f) => f.name),
    );

    const rows = await migrationRows(url);
    assert.deepEqual(
      rows.map((r) => r.migration_name),
      applied,
    );
    for (const row of rows) {
      const bytes = await readFile(join(defaultMigrationsDir, row.migration_name, "migration.sql"));
      assert.equal(row.checksum, migrationChecksum(bytes));
      assert.match(row.checksum, /^[0-9a-f]{64}$/);
      assert.ok(row.finished_at instanceof Date);
      assert.equal(row.rolled_back_at, null);
      assert.equal(row.applied_steps_count, 1);
    }
    assert.ok(await tableExists(url, "auth.users"));
  });

  test("running again applies nothing", async () => {
    const before = await migrationRows(url);
    assert.deepEqual(await migrate({ databaseUrl: url }), { applied: [] });
    assert.equal((await migrationRows(url)).length, before.length);
  });

  test("the bookkeeping table has exactly Prisma's columns", async () => {
    const cols = await query<{
      column_name: string;
      data_type: string;
      is_nullable: string;
      column_default: string | null;
    }>(
      url,
      `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    assert.deepEqual(
      cols.map((c) => [c.column_name, c.data_type, c.is_nullable, c.column_default]),
      [
        ["id", "character varying", "NO", null],
        ["checksum", "character varying", "NO", null],
        ["finished_at", "timestamp with time zone", "YES", null],
        ["migration_name", "character varying", "NO", null],
        ["logs", "text", "YES", null],
        ["rolled_back_at", "timestamp with time zone", "YES", null],
        ["started_at", "timestamp with time zone", "NO", "now()"],
        ["applied_steps_count", "integer", "NO", "0"],
      ],
    );
  });
});

test("concurrent migrators apply each migration exactly once", async () => {
  const url = await emptyDb();
  const tmp = await tempMigrationsDir();
  try {
    // A slow migration keeps the lock held long enough for the calls to really overlap.
    await writeMigration(
      tmp.dir,
      "99990101000000_slow",
      'SELECT pg_sleep(0.5);\nCREATE TABLE "public"."slow_marker" ("id" INTEGER);\n',
    );
    const results = await Promise.all([1, 2, 3].map(() => migrate({ databaseUrl: url, migrationsDir: tmp.dir })));
    const all = results.flatMap((r) => r.applied).sort();
    const names = (await readMigrations(tmp.dir)).map((f) => f.name);
    assert.deepEqual(all, names, "every migration applied once across all callers");
    assert.deepEqual(
      (await migrationRows(url)).map((r) => r.migration_name),
      names,
    );
  } finally {
    await tmp.remove();
  }
});

test("an applied migration whose file changed is refused and nothing is applied", async () => {
  const url = await emptyDb();
  const tmp = await tempMigrationsDir();
  try {
    const [first] = await readMigrations(tmp.dir);
    assert.ok(first);
    await migrate({ databaseUrl: url, migrationsDir: tmp.dir });
    const file = join(tmp.dir, first.name, "migration.sql");
    await writeFile(file, `${await readFile(file, "utf8")}\n-- edited after it was applied\n`);
    await writeMigration(tmp.dir, "99990101000000_pending", 'CREATE TABLE "public"."pending_marker" ("id" INTEGER);\n');

    await rejectsWith(migrate({ databaseUrl: url, migrationsDir: tmp.dir }), "CHECKSUM_MISMATCH", first.name);
    assert.equal(await tableExists(url, "public.pending_marker"), false);
    assert.ok(!(await migrationRows(url)).some((r) => r.migration_name === "99990101000000_pending"));
  } finally {
    await tmp.remove();
  }
});

test("converting an applied migration to CRLF line endings is not a change", async () => {
  const url = await emptyDb();
  const tmp = await tempMigrationsDir();
  try {
    const [first] = await readMigrations(tmp.dir);
    assert.ok(first);
    await migrate({ databaseUrl: url, migrationsDir: tmp.dir });
    const file = join(tmp.dir, first.name, "migration.sql");
    await writeFile(file, (await readFile(file, "utf8")).replaceAll("\n", "\r\n"));
    assert.deepEqual(await migrate({ databaseUrl: url, migrationsDir: tmp.dir }), { applied: [] });
  } finally {
    await tmp.remove();
  }
});

test("an applied migration whose folder is missing is refused", async () => {
  const url = await emptyDb();
  const tmp = await tempMigrationsDir(false);
  try {
    await writeMigration(tmp.dir, "20000101000000_gone", 'CREATE TABLE "public"."gone" ("id" INTEGER);\n');
    await migrate({ databaseUrl: url, migrationsDir: tmp.dir });
    await rm(join(tmp.dir, "20000101000000_gone"), { recursive: true });
    await writeMigration(tmp.dir, "20000102000000_next", 'CREATE TABLE "public"."next" ("id" INTEGER);\n');
    await rejectsWith(
      migrate({ databaseUrl: url, migrationsDir: tmp.dir }),
      "MISSING_MIGRATION_FOLDER",
      "20000101000000_gone",
    );
    assert.equal(await tableExists(url, "public.next"), false);
  } finally {
    await tmp.remove();
  }
});

test("a recorded migration that never finished is refused", async () => {
  const url = await emptyDb();
  const tmp = await tempMigrationsDir(false);
  try {
    await writeMigration(tmp.dir, "20000101000000_a", 'CREATE TABLE "public"."a" ("id" INTEGER);\n');
    await migrate({ databaseUrl: url, migrationsDir: tmp.dir });
    // What `prisma migrate deploy` leaves behind when a migration fails half-way.
    await query(
      url,
      `UPDATE _prisma_migrations SET finished_at = NULL, logs = 'boom' WHERE migration_name = '20000101000000_a'`,
    );
    await writeMigration(tmp.dir, "20000102000000_b", 'CREATE TABLE "public"."b" ("id" INTEGER);\n');
    await rejectsWith(
      migrate({ databaseUrl: url, migrationsDir: tmp.dir }),
      "UNFINISHED_MIGRATION",
      "20000101000000_a",
    );
    assert.equal(await tableExists(url, "public.b"), false);
  } finally {
    await tmp.remove();
  }
});

test("a failing migration is rolled back, reported, recorded as rolled back, and retried once fixed", async () => {
  const url = await emptyDb();
  const tmp = await tempMigrationsDir(false);
  try {
    await writeMigration(tmp.dir, "20000101000000_good", 'CREATE TABLE "public"."good" ("id" INTEGER);\n');
    // The first statement succeeds, the second fails: the first must not survive.
    await writeMigration(
      tmp.dir,
      "20000102000000_bad",
      'CREATE TABLE "public"."half" ("id" INTEGER);\nSELECT no_such_column FROM "public"."good";\n',
    );
    await writeMigration(tmp.dir, "20000103000000_after", 'CREATE TABLE "public"."after" ("id" INTEGER);\n');

    await assert.rejects(migrate({ databaseUrl: url, migrationsDir: tmp.dir }), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.equal(err.code, "MIGRATION_FAILED");
      assert.equal(err.migration, "20000102000000_bad");
      assert.deepEqual(err.applied, ["20000101000000_good"]);
      assert.match(err.message, /20000102000000_bad.*no_such_column.*line 2/s);
      return true;
    });
    assert.equal(await tableExists(url, "public.good"), true);
    assert.equal(await tableExists(url, "public.half"), false, "the failed migration's transaction rolled back");
    assert.equal(await tableExists(url, "public.after"), false, "nothing after the failure ran");
    const bad = (await migrationRows(url)).filter((r) => r.migration_name === "20000102000000_bad");
    assert.equal(bad.length, 1);
    assert.ok(bad[0]?.rolled_back_at instanceof Date);
    assert.equal(bad[0]?.finished_at, null);
    assert.match(bad[0]?.logs ?? "", /no_such_column/);

    await writeMigration(tmp.dir, "20000102000000_bad", 'CREATE TABLE "public"."half" ("id" INTEGER);\n');
    const { applied } = await migrate({ databaseUrl: url, migrationsDir: tmp.dir });
    assert.deepEqual(applied, ["20000102000000_bad", "20000103000000_after"]);
  } finally {
    await tmp.remove();
  }
});

test("logs through a pino-like logger", async () => {
  const url = await emptyDb();
  const lines: { obj: Record<string, unknown>; msg: string }[] = [];
  await migrate({ databaseUrl: url, log: { info: (obj, msg) => lines.push({ obj, msg }) } });
  assert.ok(lines.some((l) => l.msg === "migration applied" && typeof l.obj.migration === "string"));
});
