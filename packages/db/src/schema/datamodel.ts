import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";

/**
 * The datamodel of the Prisma schema folder, parsed by Prisma's own parser (the
 * prisma-schema-wasm build the Prisma CLI itself uses), so that what we compare the database
 * against is exactly what Prisma understands, not a regex reading of .prisma files.
 * Only the DMMF parts the schema check needs are typed here.
 */

export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "object" | "enum" | "unsupported";
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  isUpdatedAt: boolean;
  hasDefaultValue: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  schema: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
}

export interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  dbName?: string | null;
  algorithm?: string;
  fields: { name: string; sortOrder?: "asc" | "desc" }[];
}

export interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName: string | null }[];
}

export interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
  /** Postgres schemas declared in the datasource's `schemas` list. */
  schemas: string[];
}

interface SchemaWasm {
  get_dmmf(params: string): string;
  get_config(params: string): string;
}

export async function loadDatamodel(schemaDir: string): Promise<Datamodel> {
  const names = (await readdir(schemaDir)).filter((n) => n.endsWith(".prisma")).sort();
  const files = await Promise.all(names.map(async (n) => [n, await readFile(join(schemaDir, n), "utf8")]));
  // The wasm package is CommonJS and a dev dependency; loaded on demand so it is only needed
  // where the schema check runs (tests), never in a service at run time.
  const wasm = createRequire(import.meta.url)("@prisma/prisma-schema-wasm") as SchemaWasm;
  const params = JSON.stringify({ prismaSchema: files });
  let dmmf: { datamodel: { models: DmmfModel[]; enums: DmmfEnum[]; indexes: DmmfIndex[] } };
  try {
    dmmf = JSON.parse(wasm.get_dmmf(params)) as typeof dmmf;
  } catch (err) {
    // get_dmmf throws a JSON string describing the validation errors.
    throw new Error(`Prisma schema in ${schemaDir} is invalid: ${String((err as Error).message ?? err)}`, {
      cause: err,
    });
  }
  const config = JSON.parse(
    wasm.get_config(JSON.stringify({ prismaSchema: files, env: {}, ignoreEnvVarErrors: true })),
  ) as {
    config: { datasources: { schemas?: string[] }[] };
  };
  return {
    ...dmmf.datamodel,
    schemas: config.config.datasources[0]?.schemas ?? ["public"],
  };
}
