#!/usr/bin/env node
// Prints (or, with --write, refreshes in README.md) the configuration table of every part, read
// from each part's own config schema, so the README cannot drift from the code.
import { readFile, writeFile } from "node:fs/promises";
import { describeConfig } from "@crm/kit";
import { PARTS } from "@crm/platform";

const START = "<!-- config-table:start -->";
const END = "<!-- config-table:end -->";

export async function configTable() {
  const rows = new Map();
  for (const { name, pkg } of PARTS) {
    let part;
    try {
      part = (await import(`${pkg}/part`)).default;
    } catch {
      continue;
    }
    for (const row of describeConfig(part.config)) {
      const existing = rows.get(row.name);
      if (existing) existing.parts.push(name);
      else rows.set(row.name, { ...row, parts: [name] });
    }
  }
  const escape = (s) => String(s).replaceAll("|", "\\|");
  const lines = ["| variable | default | used by | meaning |", "| --- | --- | --- | --- |"];
  for (const row of [...rows.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const def = row.required ? "**required**" : row.default === undefined ? "—" : `\`${escape(row.default)}\``;
    const parts = row.parts.length >= 8 ? "all" : row.parts.join(", ");
    lines.push(`| \`${row.name}\` | ${def} | ${parts} | ${escape(row.doc)} |`);
  }
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const table = await configTable();
  if (process.argv.includes("--write")) {
    const readme = await readFile("README.md", "utf8");
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    if (start < 0 || end < 0) throw new Error("README.md has no config-table markers");
    await writeFile("README.md", `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`);
  } else {
    process.stdout.write(`${table}\n`);
  }
}
