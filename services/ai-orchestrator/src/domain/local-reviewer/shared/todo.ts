/**
 * Work markers worth surfacing in review. Like ESLint's no-warning-comments,
 * a marker counts when it starts a comment line, or when it is written as a
 * tag anywhere (marker, optional owner in parentheses, then a colon). Merely
 * mentioning the word in prose is not a work item. Defect markers (fix-me,
 * hack, xxx, bug) rank above plain to-dos.
 */
/** Upper-case markers count at the start of a line; other casings only when written as "todo:". */
const AT_START = /^(TODO|FIXME|HACK|XXX|BUG)\b/;
const AT_START_ANY_CASE = /^(todo|fixme|hack)\s*[:(]/i;
const AS_TAG = /\b(TODO|FIXME|HACK|XXX|BUG)\s*(?:\([^)]*\))?\s*:/;
const COMMENT_PUNCTUATION = /^[\s/*#;!-]*/;

/** `text` is the comment's text (one line of it), with or without its comment delimiters. */
export function todoFinding(text: string): { marker: string; note: string } | undefined {
  const body = text.replace(COMMENT_PUNCTUATION, "");
  let m = AT_START.exec(body) ?? AT_START_ANY_CASE.exec(body);
  let rest: string;
  if (m) rest = body.slice(m[0].length);
  else {
    m = AS_TAG.exec(body);
    if (!m) return undefined;
    rest = body.slice(m.index + m[0].length);
  }
  const marker = (m[1] ?? m[2] ?? "TODO").toUpperCase();
  const note = rest
    .replace(/^\s*(?:\([^)]*\))?[\s:-]*/, "")
    .replace(/\*\/\s*$/, "")
    .trim();
  return { marker, note: note.length > 80 ? `${note.slice(0, 77)}...` : note };
}

export const TODO_SUGGESTION = "Resolve it or track it in the issue tracker and reference the ticket.";

export function todoMessage(todo: { marker: string; note: string }): string {
  return `${todo.marker} comment${todo.note ? `: ${todo.note}` : ""}`;
}
