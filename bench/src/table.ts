/** A small table: printed aligned on the console, or as GitHub markdown for the README. */
export interface Table {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  notes?: string[];
}

function cell(v: string | number): string {
  return typeof v === "number" ? String(v) : v;
}

export function renderText(t: Table): string {
  const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => cell(r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const out = [t.title, line(t.columns), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const r of t.rows) out.push(line(t.columns.map((_, i) => cell(r[i] ?? ""))));
  for (const n of t.notes ?? []) out.push(`  * ${n}`);
  return out.join("\n");
}

export function renderMarkdown(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const out = [`#### ${t.title.trim()}`, "", `| ${t.columns.map(esc).join(" | ")} |`];
  out.push(`| ${t.columns.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`);
  for (const r of t.rows) out.push(`| ${t.columns.map((_, i) => esc(cell(r[i] ?? ""))).join(" | ")} |`);
  if (t.notes?.length) out.push("", ...t.notes.map((n) => `- ${n}`));
  return out.join("\n");
}

export const fmt = {
  int: (n: number | undefined) =>
    n === undefined || !Number.isFinite(n) ? "—" : Math.round(n).toLocaleString("en-US"),
  ms: (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "—" : n < 10 ? n.toFixed(2) : n.toFixed(1)),
  ratio: (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "—" : `${n.toFixed(2)}×`),
  pct: (n: number | undefined) =>
    n === undefined || !Number.isFinite(n) ? "—" : `${n >= 0 ? "+" : ""}${n.toFixed(1)}%`,
  mb: (bytes: number | undefined) => (bytes === undefined || !bytes ? "—" : `${(bytes / 1024 / 1024).toFixed(0)} MB`),
};
