/**
 * Turns the first file of a unified diff into "new side" source text whose
 * line numbers match the post-change file: hunk lines are placed at their
 * real line numbers and the gaps between hunks are left blank. Findings on
 * the result therefore point at the right lines of the changed file even
 * though only fragments of it were sent.
 */
export interface DiffSource {
  path?: string;
  code: string;
}

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

export function looksLikeDiff(text: string): boolean {
  return /^@@ .*@@/m.test(text) && /^(?:diff --git |--- |\+\+\+ |@@ -\d)/m.test(text);
}

export function diffToSource(diff: string): DiffSource | null {
  const out: string[] = [];
  let path: string | undefined;
  let started = false;
  let inHunk = false;
  let newLine = 1;
  let newRemaining = 0;
  for (const line of diff.replace(/\r\n?/g, "\n").split("\n")) {
    if (!inHunk || newRemaining <= 0) {
      inHunk = false;
      if (line.startsWith("diff --git ")) {
        if (started) break; // only the first file of a multi-file diff
        path = / b\/(.+)$/.exec(line)?.[1] ?? path;
        continue;
      }
      if (line.startsWith("+++ ")) {
        const p = line.slice(4).trim().replace(/^b\//, "").replace(/\t.*$/, "");
        if (p !== "/dev/null") path = p;
        continue;
      }
      if (
        line.startsWith("--- ") ||
        line.startsWith("index ") ||
        /^(?:new|deleted) file mode|^similarity index|^rename (?:from|to) /.test(line)
      )
        continue;
      if (line.startsWith("@@")) {
        const m = HUNK.exec(line);
        // Hand-written diffs sometimes omit ranges; then continue numbering where we are.
        newLine = m ? Number(m[1]) : Math.max(newLine, 1);
        newRemaining = m ? (m[2] === undefined ? 1 : Number(m[2])) : Infinity;
        inHunk = true;
        started = true;
      }
      continue;
    }
    if (line.startsWith("@@")) {
      // next hunk of the same file (the previous one had no explicit length)
      const m = HUNK.exec(line);
      newLine = m ? Number(m[1]) : newLine;
      newRemaining = m ? (m[2] === undefined ? 1 : Number(m[2])) : Infinity;
      continue;
    }
    if (line.startsWith("diff --git ")) break;
    const marker = line[0];
    if (marker === "-" || marker === "\\") continue;
    out[newLine] = marker === "+" || marker === " " ? line.slice(1) : line;
    newLine++;
    newRemaining--;
  }
  if (!started) return null;
  const code = Array.from({ length: Math.max(0, out.length - 1) }, (_, i) => out[i + 1] ?? "").join("\n");
  return path ? { path, code } : { code };
}
