/** A window of a file sent to the model in one request. Lines are 1-based, inclusive. */
export interface Chunk {
  startLine: number;
  endLine: number;
  code: string;
}

/** Characters per token assumed for code (conservative: code tokenizes denser than prose). */
export const CHARS_PER_TOKEN = 3;

/**
 * The code budget of one request in characters: the model's context window less the answer's
 * tokens and the prompt around the code.
 */
export function codeBudgetChars(contextWindow: number, maxOutputTokens: number, promptChars: number): number {
  const tokens = contextWindow - maxOutputTokens - Math.ceil(promptChars / CHARS_PER_TOKEN) - 256;
  return Math.max(400, tokens * CHARS_PER_TOKEN);
}

const topLevel = (line: string | undefined) => line !== undefined && /^\S/.test(line);

/**
 * Splits a file into chunks of at most `maxChars`, cutting between lines, preferably just
 * before a top-level line or after a blank one in the last third of a chunk (so functions stay
 * whole where they can). A single line longer than the budget is cut to it.
 */
export function chunkFile(content: string, maxChars: number): Chunk[] {
  const lines = content.split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const chunks: Chunk[] = [];
  let start = 0;
  while (start < lines.length) {
    let size = 0;
    let end = start;
    while (end < lines.length && size + lines[end]!.length + 1 <= maxChars) size += lines[end++]!.length + 1;
    if (end === start)
      end = start + 1; // one overlong line: it goes alone (and is truncated)
    else if (end < lines.length) {
      const floor = start + Math.ceil(((end - start) * 2) / 3);
      for (let cut = end; cut > floor; cut--) {
        if (topLevel(lines[cut]) || lines[cut - 1]?.trim() === "") {
          end = cut;
          break;
        }
      }
    }
    const code = lines.slice(start, end).join("\n");
    chunks.push({ startLine: start + 1, endLine: end, code: code.length > maxChars ? code.slice(0, maxChars) : code });
    start = end;
  }
  return chunks;
}
