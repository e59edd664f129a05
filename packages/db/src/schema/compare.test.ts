import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { query } from "../fixtures.js";
import { defaultSchemaDir } from "../paths.js";
import { createTestDatabase, type TestDatabase } from "../testing.js";
import { compareSchema } from "./compare.js";
import { loadDatamodel, type Datamodel } from "./datamodel.js";
import { introspect } from "./introspect.js";

/**
 * Proves the hand-written migrations build exactly the database the Prisma schema folder
 * describes. Generic over every model, so a service adding `prisma/schema/<service>.prisma`
 * and its migration is checked here without touching this file.
 */

let db: TestDatabase;
let datamodel: Datamodel;

before(async () => {
  datamodel = await loadDatamodel(defaultSchemaDir);
  db = await createTestDatabase();
});
after(() => (db as TestDatabase | undefined)?.drop());

async function problems(): Promise<string[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return compareSchema(datamodel, await introspect(client, datamodel.schemas));
  } finally {
    await client.end();
  }
}

test("the schema folder parses with Prisma's parser and declares every model's schema", () => {
  assert.ok(datamodel.models.length > 0);
  for (const model of datamodel.models) {
    assert.ok(model.schema, `model ${model.name} needs @@schema("<service schema>")`);
    assert.ok(
      datamodel.schemas.includes(model.schema),
      `schema ${model.schema} of ${model.name} is not in the datasource's schemas`,
    );
  }
});

test("the migrated database matches every model, enum, index and foreign key", async () => {
  assert.deepEqual(await problems(), []);
});

test("the check is not vacuous: it reports drift in the database", async () => {
  // Works on a scratch copy of the migrated database so the test above stays independent.
  const model = datamodel.models.find((m) => m.fields.some((f) => f.kind === "scalar" && f.isRequired && !f.isId));
  assert.ok(model, "some model has a required non-id scalar field");
  const table = `"${model.schema ?? "public"}"."${model.dbName ?? model.name}"`;
  const field = model.fields.find((f) => f.kind === "scalar" && f.isRequired && !f.isId);
  assert.ok(field);
  const column = field.dbName ?? field.name;
  await query(db.url, `ALTER TABLE ${table} ALTER COLUMN "${column}" DROP NOT NULL`);
  await query(db.url, `ALTER TABLE ${table} ADD COLUMN "stray" INTEGER`);
  await query(db.url, `CREATE INDEX "stray_idx" ON ${table}("stray")`);
  try {
    const found = await problems();
    assert.ok(
      found.some((p) => p.includes(`.${column}: nullable, expected NOT NULL`)),
      found.join("\n"),
    );
    assert.ok(
      found.some((p) => p.includes(".stray: column exists in the database")),
      found.join("\n"),
    );
    assert.ok(
      found.some((p) => p.includes("index stray_idx (stray) exists")),
      found.join("\n"),
    );
  } finally {
    await query(db.url, `ALTER TABLE ${table} DROP COLUMN "stray"`);
    await query(db.url, `ALTER TABLE ${table} ALTER COLUMN "${column}" SET NOT NULL`);
  }
  assert.deepEqual(await problems(), []);
});
