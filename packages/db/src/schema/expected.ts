import type { DmmfField } from "./datamodel.js";

/**
 * What Prisma's PostgreSQL migrations produce for a field, in the terms pg_catalog reports:
 * column type as format_type() prints it, and Prisma's default constraint/index names.
 */

const SCALAR_DEFAULTS: Record<string, string> = {
  String: "text",
  Boolean: "boolean",
  Int: "integer",
  BigInt: "bigint",
  Float: "double precision",
  Decimal: "numeric(65,30)",
  DateTime: "timestamp(3) without time zone",
  Json: "jsonb",
  Bytes: "bytea",
};

const NATIVE: Record<string, (args: string[]) => string> = {
  Text: () => "text",
  Char: (a) => `character(${a[0] ?? "1"})`,
  VarChar: (a) => (a.length ? `character varying(${a[0]})` : "character varying"),
  Bit: (a) => `bit(${a[0] ?? "1"})`,
  VarBit: (a) => (a.length ? `bit varying(${a[0]})` : "bit varying"),
  Uuid: () => "uuid",
  Xml: () => "xml",
  Inet: () => "inet",
  Citext: () => "citext",
  Boolean: () => "boolean",
  Integer: () => "integer",
  SmallInt: () => "smallint",
  BigInt: () => "bigint",
  Oid: () => "oid",
  DoublePrecision: () => "double precision",
  Real: () => "real",
  Decimal: (a) => (a.length ? `numeric(${a.join(",")})` : "numeric"),
  Money: () => "money",
  Date: () => "date",
  Json: () => "json",
  JsonB: () => "jsonb",
  ByteA: () => "bytea",
  Timestamp: (a) => `timestamp${precision(a)} without time zone`,
  Timestamptz: (a) => `timestamp${precision(a)} with time zone`,
  Time: (a) => `time${precision(a)} without time zone`,
  Timetz: (a) => `time${precision(a)} with time zone`,
};

function precision(args: string[]): string {
  return args.length ? `(${args[0]})` : "";
}

/** Expected format_type() of a scalar field's column, or undefined for an unknown native type. */
export function expectedColumnType(field: DmmfField): string | undefined {
  let base: string | undefined;
  if (field.nativeType) {
    const [name, args] = field.nativeType;
    base = NATIVE[name]?.(args);
  } else {
    base = SCALAR_DEFAULTS[field.type];
  }
  return base === undefined ? undefined : field.isList ? `${base}[]` : base;
}

const PG_ACTION: Record<string, string> = { NoAction: "a", Restrict: "r", Cascade: "c", SetNull: "n", SetDefault: "d" };

/** pg_constraint action letter for a Prisma referential action name. */
export function pgAction(action: string): string {
  return PG_ACTION[action] ?? `?${action}`;
}

/** Prisma's default referential actions: onDelete Restrict (SetNull if optional), onUpdate Cascade. */
export function defaultActions(fromFields: DmmfField[]): { onDelete: string; onUpdate: string } {
  return { onDelete: fromFields.every((f) => f.isRequired) ? "Restrict" : "SetNull", onUpdate: "Cascade" };
}

/**
 * Prisma's default constraint names: `<table>_<columns joined by _>_<suffix>`, truncated so the
 * whole name fits PostgreSQL's 63-byte identifier limit (prisma-engines ConstraintNames).
 */
export function prismaConstraintName(
  table: string,
  columns: string[],
  suffix: "pkey" | "key" | "idx" | "fkey",
): string {
  const stem = suffix === "pkey" ? table : `${table}_${columns.join("_")}`;
  const tail = `_${suffix}`;
  return stem.length + tail.length > 63 ? `${stem.slice(0, 63 - tail.length)}${tail}` : `${stem}${tail}`;
}
