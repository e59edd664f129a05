import type pg from "pg";

/**
 * What the schema check needs to know about a live database, read from pg_catalog (not
 * information_schema: that hides indexes and FK actions are awkward to get from it).
 */

export interface DbColumn {
  name: string;
  /** format_type() text, e.g. "timestamp(3) with time zone", "character varying(20)", "text[]". */
  type: string;
  notNull: boolean;
  /** pg_get_expr of the column default, or null. */
  default: string | null;
  /** For enum columns (or arrays of enums): the enum type's name. */
  enumName: string | null;
}

export interface DbIndex {
  name: string;
  columns: string[];
  descending: boolean[];
  unique: boolean;
  primary: boolean;
  method: string;
}

export interface DbForeignKey {
  name: string;
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
  /** pg confdeltype / confupdtype letter: a no action, r restrict, c cascade, n set null, d set default. */
  onDelete: string;
  onUpdate: string;
}

export interface DbTable {
  schema: string;
  name: string;
  columns: Map<string, DbColumn>;
  indexes: DbIndex[];
  foreignKeys: DbForeignKey[];
}

export interface DbEnum {
  schema: string;
  name: string;
  values: string[];
}

export interface DbSnapshot {
  tables: Map<string, DbTable>; // key "schema.table"
  enums: DbEnum[];
}

export async function introspect(client: pg.Client, schemas: string[]): Promise<DbSnapshot> {
  const tables = new Map<string, DbTable>();
  const tableRows = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1)`,
    [schemas],
  );
  for (const r of tableRows.rows) {
    tables.set(`${r.schema}.${r.name}`, { ...r, columns: new Map(), indexes: [], foreignKeys: [] });
  }

  const columns = await client.query<{ schema: string; table: string } & DbColumn & { notnull: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS name,
            format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS default,
            CASE WHEN t.typtype = 'e' THEN t.typname WHEN et.typtype = 'e' THEN et.typname END AS "enumName"
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typlen = -1
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`,
    [schemas],
  );
  for (const c of columns.rows) {
    tables.get(`${c.schema}.${c.table}`)?.columns.set(c.name, {
      name: c.name,
      type: c.type,
      notNull: c.notnull,
      default: c.default,
      enumName: c.enumName,
    });
  }

  const indexes = await client.query<
    { schema: string; table: string } & Omit<DbIndex, "descending"> & { options: number[] }
  >(
    `SELECT n.nspname AS schema, c.relname AS table, ic.relname AS name,
            i.indisunique AS unique, i.indisprimary AS primary, am.amname AS method,
            ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
            ARRAY(SELECT o::int FROM unnest(i.indoption::int2[]) WITH ORDINALITY o(o, ord) ORDER BY ord) AS options
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
      WHERE n.nspname = ANY($1)`,
    [schemas],
  );
  for (const i of indexes.rows) {
    tables.get(`${i.schema}.${i.table}`)?.indexes.push({
      name: i.name,
      columns: i.columns,
      // indoption bit 0 is INDOPTION_DESC
      descending: i.options.map((o) => (o & 1) === 1),
      unique: i.unique,
      primary: i.primary,
      method: i.method,
    });
  }

  const fks = await client.query<{ schema: string; table: string } & DbForeignKey>(
    `SELECT n.nspname AS schema, c.relname AS table, con.conname AS name,
            rn.nspname AS "refSchema", rc.relname AS "refTable",
            con.confdeltype AS "onDelete", con.confupdtype AS "onUpdate",
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
            ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS "refColumns"
       FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class rc ON rc.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
      WHERE con.contype = 'f' AND n.nspname = ANY($1)`,
    [schemas],
  );
  for (const f of fks.rows) {
    const { schema, table, ...fk } = f;
    tables.get(`${schema}.${table}`)?.foreignKeys.push(fk);
  }

  const enums = await client.query<DbEnum>(
    `SELECT n.nspname AS schema, t.typname AS name,
            ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS values
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typtype = 'e' AND n.nspname = ANY($1)`,
    [schemas],
  );
  return { tables, enums: enums.rows };
}
