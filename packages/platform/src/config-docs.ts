import { describeConfig, type PartModule } from "@crm/kit";
import { PARTS } from "./registry.js";

export const CONFIG_TABLE_START = "<!-- config-table:start -->";
export const CONFIG_TABLE_END = "<!-- config-table:end -->";

/** The README's configuration table, read from every built part's own config schema. */
export async function configTable(): Promise<string> {
  const rows = new Map<string, { required: boolean; default?: string; doc: string; parts: string[] }>();
  for (const { name, pkg } of PARTS) {
    let part: PartModule;
    try {
      part = ((await import(`${pkg}/part`)) as { default: PartModule }).default;
    } catch {
      continue;
    }
    for (const row of describeConfig(part.config)) {
      const existing = rows.get(row.name);
      if (existing) existing.parts.push(name);
      else rows.set(row.name, { ...row, parts: [name] });
    }
  }
  const escape = (s: string) => s.replaceAll("|", "\\|");
  const lines = ["| variable | default | used by | meaning |", "| --- | --- | --- | --- |"];
  for (const [name, row] of [...rows.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const def = row.required ? "**required**" : row.default === undefined ? "—" : `\`${escape(row.default)}\``;
    const parts = row.parts.length === PARTS.length ? "all" : row.parts.join(", ");
    lines.push(`| \`${name}\` | ${def} | ${parts} | ${escape(row.doc)} |`);
  }
  return lines.join("\n");
}

/** The README with its config table replaced by the current one. */
export function withConfigTable(readme: string, table: string): string {
  const start = readme.indexOf(CONFIG_TABLE_START);
  const end = readme.indexOf(CONFIG_TABLE_END);
  if (start < 0 || end < 0) throw new Error("README.md has no config-table markers");
  return `${readme.slice(0, start + CONFIG_TABLE_START.length)}\n${table}\n${readme.slice(end)}`;
}
