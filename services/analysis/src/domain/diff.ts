import parseDiff from "parse-diff";
import { badRequest } from "@crm/kit";

/** A file a unified diff changes, as the new side sees it. */
export interface DiffFile {
  path: string;
  /** New-file line numbers of added lines: the only lines a diff analysis reports on. */
  added: number[];
  /**
   * The new file rebuilt from the hunks (context and added lines at their new line numbers,
   * blank elsewhere): used when the project does not hold the file, so line numbers stay true.
   */
  reconstructed: string;
  /** Every new-side line the hunks show (context and added), by line number. */
  shown: Map<number, string>;
}

/** Whether `content` is the diff's new side: every line the hunks show is there, at its number. */
export function agreesWithDiff(content: string, diff: DiffFile): boolean {
  const lines = content.split("\n");
  for (const [n, text] of diff.shown)
    if ((lines[n - 1] ?? "").replace(/\r$/, "") !== text.replace(/\r$/, "")) return false;
  return true;
}

/**
 * Parses a unified diff (git or plain) with parse-diff. Deleted files and files without added
 * lines have nothing to review and are left out. A diff with no file at all is a 400.
 */
export function parseUnifiedDiff(text: string): DiffFile[] {
  const files = parseDiff(text);
  if (files.length === 0) throw badRequest("`diff` is not a unified diff (no file headers found)");
  const out: DiffFile[] = [];
  for (const file of files) {
    const path = file.to && file.to !== "/dev/null" ? file.to : undefined;
    if (!path || file.deleted) continue;
    const lines: string[] = [];
    const shown = new Map<number, string>();
    const added: number[] = [];
    for (const chunk of file.chunks) {
      for (const change of chunk.changes) {
        if (change.type === "add") {
          added.push(change.ln);
          lines[change.ln - 1] = change.content.slice(1);
          shown.set(change.ln, change.content.slice(1));
        } else if (change.type === "normal") {
          lines[change.ln2 - 1] = change.content.slice(1);
          shown.set(change.ln2, change.content.slice(1));
        }
      }
    }
    if (added.length === 0) continue;
    out.push({
      path: path.replace(/^\/+/, ""),
      added,
      reconstructed: Array.from(lines, (l) => l ?? "").join("\n"),
      shown,
    });
  }
  return out;
}
