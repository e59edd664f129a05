#!/usr/bin/env node
// Prints the configuration table of every part (read from each part's config schema), or with
// --write refreshes it in README.md. tests/src/journeys/readme.test.ts fails when they drift.
import { readFile, writeFile } from "node:fs/promises";
import { configTable, withConfigTable } from "@crm/platform";

const table = await configTable();
if (process.argv.includes("--write")) {
  const readme = await readFile("README.md", "utf8");
  await writeFile("README.md", withConfigTable(readme, table));
} else {
  process.stdout.write(`${table}\n`);
}
