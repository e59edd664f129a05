import type { Datamodel, DmmfField, DmmfModel } from "./datamodel.js";
import { defaultActions, expectedColumnType, pgAction, prismaConstraintName } from "./expected.js";
import type { DbColumn, DbSnapshot, DbTable } from "./introspect.js";

/**
 * Compares the Prisma datamodel with a migrated database and lists every difference, in words
 * a developer can act on ("auth.users.name: expected NOT NULL"). An empty list means the
 * hand-written migrations produce exactly what the schema folder describes. It loops over every
 * model, enum and index, so a service's new `<service>.prisma` is checked without test changes.
 *
 * Not checked: foreign-key constraint *names* (the DMMF does not expose `@relation(map:)`),
 * check constraints, views, and index operator classes/lengths.
 */
export function compareSchema(dm: Datamodel, db: DbSnapshot): string[] {
  const problems: string[] = [];
  const models = new Map(dm.models.map((m) => [m.name, m]));
  const expectedTables = new Set<string>();

  for (const model of dm.models) {
    const key = tableKey(model);
    expectedTables.add(key);
    const table = db.tables.get(key);
    if (!table) {
      problems.push(`${key}: table for model ${model.name} is missing`);
      continue;
    }
    problems.push(...compareColumns(model, table, dm));
    problems.push(...compareIndexes(model, table, dm));
    problems.push(...compareForeignKeys(model, table, models));
  }

  for (const key of db.tables.keys()) {
    if (!expectedTables.has(key) && !key.endsWith("._prisma_migrations")) {
      problems.push(`${key}: table exists in the database but no model maps to it`);
    }
  }

  for (const e of dm.enums) {
    const name = e.dbName ?? e.name;
    const found = db.enums.find((d) => d.name === name);
    const values = e.values.map((v) => v.dbName ?? v.name);
    if (!found) problems.push(`enum ${name} (${e.name}) is missing`);
    else if (found.values.join(",") !== values.join(",")) {
      problems.push(
        `enum ${found.schema}.${name}: values [${found.values.join(", ")}], expected [${values.join(", ")}]`,
      );
    }
  }
  return problems;
}

const tableName = (m: DmmfModel): string => m.dbName ?? m.name;
const tableKey = (m: DmmfModel): string => `${m.schema ?? "public"}.${tableName(m)}`;
const columnName = (f: DmmfField): string => f.dbName ?? f.name;
const isColumn = (f: DmmfField): boolean => f.kind === "scalar" || f.kind === "enum";

function fieldColumns(model: DmmfModel, fieldNames: string[]): string[] {
  return fieldNames.map((n) => {
    const f = model.fields.find((x) => x.name === n);
    return f ? columnName(f) : n;
  });
}

function compareColumns(model: DmmfModel, table: DbTable, dm: Datamodel): string[] {
  const problems: string[] = [];
  const where = `${table.schema}.${table.name}`;
  const expected = new Set<string>();
  for (const field of model.fields.filter(isColumn)) {
    const name = columnName(field);
    expected.add(name);
    const col = table.columns.get(name);
    if (!col) {
      problems.push(`${where}.${name}: column for ${model.name}.${field.name} is missing`);
      continue;
    }
    const at = `${where}.${name}`;
    if (field.kind === "enum") {
      const enumDef = dm.enums.find((e) => e.name === field.type);
      const enumName = enumDef?.dbName ?? field.type;
      if (col.enumName !== enumName || col.type.endsWith("[]") !== field.isList) {
        problems.push(`${at}: type ${col.type}, expected enum ${enumName}${field.isList ? "[]" : ""}`);
      }
    } else {
      const type = expectedColumnType(field);
      if (type === undefined)
        problems.push(`${at}: cannot check native type ${JSON.stringify(field.nativeType)}; extend expected.ts`);
      else if (col.type !== type) problems.push(`${at}: type ${col.type}, expected ${type}`);
    }
    // Prisma never puts NOT NULL on scalar-list columns, required or not.
    const notNull = field.isList ? false : field.isRequired;
    if (col.notNull !== notNull)
      problems.push(`${at}: ${col.notNull ? "NOT NULL" : "nullable"}, expected ${notNull ? "NOT NULL" : "nullable"}`);
    const defaultProblem = compareDefault(field, col, dm);
    if (defaultProblem) problems.push(`${at}: ${defaultProblem}`);
  }
  for (const name of table.columns.keys()) {
    if (!expected.has(name))
      problems.push(`${where}.${name}: column exists in the database but not in model ${model.name}`);
  }
  return problems;
}

/** Column default check; returns a problem description or undefined when it matches. */
function compareDefault(field: DmmfField, col: DbColumn, dm: Datamodel): string | undefined {
  const actual = col.default;
  const show = (expected: string): string => `default ${actual ?? "none"}, expected ${expected}`;
  if (!field.hasDefaultValue) return actual === null ? undefined : show("none");
  const d = field.default;
  if (typeof d === "object" && d !== null && !Array.isArray(d) && "name" in d) {
    const fn = d as { name: string; args: unknown[] };
    switch (fn.name) {
      case "now":
        return actual === "CURRENT_TIMESTAMP" ? undefined : show("CURRENT_TIMESTAMP");
      case "autoincrement":
        return actual?.startsWith("nextval(") ? undefined : show("a sequence (nextval)");
      case "dbgenerated": {
        const want = typeof fn.args[0] === "string" ? fn.args[0] : undefined;
        if (actual === null) return show(want ?? "a database default");
        return want === undefined || normalise(want) === normalise(actual) ? undefined : show(want);
      }
      default:
        // uuid(), cuid(), nanoid(), ulid(): generated by the Prisma client, not the database.
        return actual === null ? undefined : show(`none (${fn.name}() is generated client-side)`);
    }
  }
  if (Array.isArray(d)) return actual !== null ? undefined : show(`array ${JSON.stringify(d)}`);
  let want = String(d);
  if (field.kind === "enum") {
    const value = dm.enums.find((e) => e.name === field.type)?.values.find((v) => v.name === want);
    want = value?.dbName ?? want;
  }
  return actual !== null && literal(actual) === want ? undefined : show(JSON.stringify(want));
}

/** `'member'::text` → member, `'-1'::integer` → -1, `(-1)` → -1, `false` → false. */
function literal(expr: string): string {
  const e = expr.replace(/^\((.*)\)$/, "$1");
  const quoted = /^'((?:[^']|'')*)'(?:::.+)?$/.exec(e);
  return quoted ? (quoted[1] ?? "").replaceAll("''", "'") : e.replace(/::[\w\s."[\]]+$/, "");
}

const normalise = (sql: string): string => sql.toLowerCase().replace(/\s+/g, "");

function compareIndexes(model: DmmfModel, table: DbTable, dm: Datamodel): string[] {
  const problems: string[] = [];
  const where = `${table.schema}.${table.name}`;
  const matched = new Set<string>();
  const t = tableName(model);

  const idFields = model.primaryKey?.fields ?? model.fields.filter((f) => f.isId).map((f) => f.name);
  const pk = table.indexes.find((i) => i.primary);
  const idIndex = dm.indexes.find((i) => i.model === model.name && i.type === "id");
  const pkCols = fieldColumns(model, idFields);
  const pkName = idIndex?.dbName ?? prismaConstraintName(t, pkCols, "pkey");
  if (idFields.length === 0) {
    if (pk) problems.push(`${where}: primary key ${pk.name} exists but the model has no @id`);
  } else if (!pk) problems.push(`${where}: primary key (${pkCols.join(", ")}) is missing`);
  else {
    matched.add(pk.name);
    if (pk.columns.join(",") !== pkCols.join(","))
      problems.push(`${where}: primary key on (${pk.columns.join(", ")}), expected (${pkCols.join(", ")})`);
    if (pk.name !== pkName) problems.push(`${where}: primary key named ${pk.name}, expected ${pkName}`);
  }

  for (const idx of dm.indexes.filter((i) => i.model === model.name && (i.type === "unique" || i.type === "normal"))) {
    const cols = fieldColumns(
      model,
      idx.fields.map((f) => f.name),
    );
    const unique = idx.type === "unique";
    const name = idx.dbName ?? prismaConstraintName(t, cols, unique ? "key" : "idx");
    const label = `${unique ? "unique index" : "index"} ${name} (${cols.join(", ")})`;
    const found = table.indexes.find(
      (i) => !i.primary && !matched.has(i.name) && i.unique === unique && i.columns.join(",") === cols.join(","),
    );
    if (!found) {
      problems.push(`${where}: ${label} is missing`);
      continue;
    }
    matched.add(found.name);
    if (found.name !== name) problems.push(`${where}: ${label} is named ${found.name}`);
    const method = (idx.algorithm ?? "BTree").toLowerCase();
    if (found.method !== method) problems.push(`${where}: ${label} uses ${found.method}, expected ${method}`);
    const desc = idx.fields.map((f) => f.sortOrder === "desc");
    if (found.descending.join(",") !== desc.join(",")) problems.push(`${where}: ${label} sort order differs`);
  }
  for (const i of table.indexes) {
    if (!matched.has(i.name))
      problems.push(`${where}: index ${i.name} (${i.columns.join(", ")}) exists in the database but not in the schema`);
  }
  return problems;
}

function compareForeignKeys(model: DmmfModel, table: DbTable, models: Map<string, DmmfModel>): string[] {
  const problems: string[] = [];
  const where = `${table.schema}.${table.name}`;
  const matched = new Set<string>();
  for (const rel of model.fields.filter((f) => f.kind === "object" && (f.relationFromFields?.length ?? 0) > 0)) {
    const target = models.get(rel.type);
    if (!target) continue; // the Prisma parser already rejects unknown relation targets
    const fromFields = (rel.relationFromFields ?? [])
      .map((n) => model.fields.find((f) => f.name === n))
      .filter((f) => f !== undefined);
    const cols = fromFields.map(columnName);
    const refCols = fieldColumns(target, rel.relationToFields ?? []);
    const defaults = defaultActions(fromFields);
    const onDelete = rel.relationOnDelete ?? defaults.onDelete;
    const onUpdate = rel.relationOnUpdate ?? defaults.onUpdate;
    const label = `foreign key (${cols.join(", ")}) → ${tableKey(target)}(${refCols.join(", ")})`;
    const fk = table.foreignKeys.find((k) => !matched.has(k.name) && k.columns.join(",") === cols.join(","));
    if (!fk) {
      problems.push(`${where}: ${label} is missing`);
      continue;
    }
    matched.add(fk.name);
    if (`${fk.refSchema}.${fk.refTable}` !== tableKey(target) || fk.refColumns.join(",") !== refCols.join(",")) {
      problems.push(`${where}: ${label} references ${fk.refSchema}.${fk.refTable}(${fk.refColumns.join(", ")})`);
    }
    if (fk.onDelete !== pgAction(onDelete))
      problems.push(`${where}: ${label} ON DELETE is '${fk.onDelete}', expected ${onDelete}`);
    if (fk.onUpdate !== pgAction(onUpdate))
      problems.push(`${where}: ${label} ON UPDATE is '${fk.onUpdate}', expected ${onUpdate}`);
  }
  for (const k of table.foreignKeys) {
    if (!matched.has(k.name))
      problems.push(`${where}: foreign key ${k.name} exists in the database but not in the schema`);
  }
  return problems;
}
