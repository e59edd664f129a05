/**
 * A small Python tokenizer that turns source into *logical lines* (joining
 * bracket and backslash continuations, as the Python grammar does) with
 * string literals replaced by placeholders `__sN__` and comments removed.
 * Rules can then match on code structure with simple patterns without ever
 * being fooled by text inside strings or comments, and indentation gives
 * the block structure (def/class bodies, nesting depth).
 */
export interface PyString {
  prefix: string;
  value: string;
  line: number;
}

export interface PyLine {
  /** first physical line (1-based) */
  line: number;
  endLine: number;
  /** indentation width of the first physical line (tabs to multiples of 8, like CPython) */
  indent: number;
  /** statement text, strings as `__sN__`, continuation newlines as single spaces */
  code: string;
  /** offsets in `code` where the 2nd, 3rd... physical lines begin */
  breaks: number[];
}

export interface PyComment {
  line: number;
  text: string;
}

export interface PySource {
  lines: PyLine[];
  comments: PyComment[];
  strings: PyString[];
}

const PREFIX_CHARS = /^[rRbBuUfFtT]{1,3}$/;

export function lexPython(src: string): PySource {
  const lines: PyLine[] = [];
  const comments: PyComment[] = [];
  const strings: PyString[] = [];
  const n = src.length;
  let i = 0;
  let line = 1;
  let atLineStart = true;
  let continued = false;
  let depth = 0;
  // The statement text is accumulated as chunks: repeatedly slicing a growing
  // concatenated string forces V8 to flatten it each time (quadratic on the
  // huge single-statement literals found in generated files).
  let parts: string[] = [];
  let len = 0;
  let tail = "";
  let breaks: number[] = [];
  const append = (s: string): void => {
    parts.push(s);
    len += s.length;
    tail = (tail + s).slice(-4);
  };
  let start = 1;
  let indent = 0;

  const flush = (endLine: number): void => {
    const text = parts.join("").trimEnd();
    if (text) lines.push({ line: start, endLine, indent, code: text, breaks });
    parts = [];
    len = 0;
    tail = "";
    breaks = [];
    depth = 0;
  };
  const readComment = (from: number): number => {
    const eol = src.indexOf("\n", from);
    const end = eol < 0 ? n : eol;
    comments.push({ line, text: src.slice(from, end) });
    return end;
  };

  while (i < n) {
    if (atLineStart) {
      let col = 0;
      let j = i;
      for (; j < n && (src[j] === " " || src[j] === "\t" || src[j] === "\f"); j++)
        col = src[j] === "\t" ? Math.floor(col / 8) * 8 + 8 : col + 1;
      if (j >= n) break;
      if (src[j] === "\n") {
        i = j + 1;
        line++;
        continue;
      }
      if (src[j] === "#") {
        i = readComment(j);
        continue;
      }
      indent = col;
      start = line;
      i = j;
      atLineStart = false;
    }
    const c = src[i] as string;
    if (c === "#") {
      i = readComment(i);
      continue;
    }
    if (c === "\n") {
      line++;
      i++;
      if (depth > 0 || continued) {
        breaks.push(len);
        append(" ");
        continued = false;
      } else {
        flush(line - 1);
        atLineStart = true;
      }
      continue;
    }
    if (c === "\\" && src[i + 1] === "\n") {
      continued = true;
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      // A prefix is 1-3 letters directly before the quote that are not the end of a longer identifier.
      const m = /[A-Za-z]{1,3}$/.exec(tail);
      let prefix = "";
      if (m && PREFIX_CHARS.test(m[0]) && !/\w$/.test(tail.slice(0, m.index)) && (m.index > 0 || len === m[0].length)) {
        prefix = m[0].toLowerCase();
        // identifier characters were appended one per chunk, so popping removes exactly the prefix
        for (let k = 0; k < m[0].length; k++) len -= (parts.pop() as string).length;
        tail = "";
      }
      const q3 = c === '"' ? '"""' : "'''";
      const triple = src.startsWith(q3, i);
      const qlen = triple ? 3 : 1;
      const strLine = line;
      let j = i + qlen;
      while (j < n) {
        const d = src[j];
        if (d === "\\") {
          if (src[j + 1] === "\n") {
            line++;
            breaks.push(len);
          }
          j += 2;
          continue;
        }
        if (d === c && (!triple || src.startsWith(q3, j))) break;
        if (d === "\n") {
          if (!triple) break; // unterminated single-quoted string: recover at end of line
          line++;
          breaks.push(len);
        }
        j++;
      }
      strings.push({ prefix, value: src.slice(i + qlen, Math.min(j, n)), line: strLine });
      append(`__s${strings.length - 1}__`);
      i = src[j] === "\n" ? j : Math.min(n, j + qlen);
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth = Math.max(0, depth - 1);
    if (c !== "\r") append(c);
    i++;
  }
  flush(line);
  return { lines, comments, strings };
}

/** Physical line of an offset inside a logical line's code. */
export function lineAt(l: PyLine, offset: number): number {
  let lo = 0;
  let hi = l.breaks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((l.breaks[mid] as number) <= offset) lo = mid + 1;
    else hi = mid;
  }
  return l.line + lo;
}

/** Code text for messages: placeholders back to (shortened) string literals, whitespace collapsed. */
export function displayCode(src: PySource, code: string, max = 40): string {
  const text = code
    .replace(STRING_REF, (_, i: string) => {
      const s = src.strings[Number(i)];
      const v = s ? s.value.replace(/\s+/g, " ") : "";
      return JSON.stringify(v.length > 12 ? `${v.slice(0, 9)}...` : v);
    })
    .replace(/\s+/g, " ")
    .trim();
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** Text between the bracket at `open` and its matching close (strings are placeholders, so counting is exact). */
export function bracketContent(code: string, open: number): string {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) return code.slice(open + 1, i);
    }
  }
  return code.slice(open + 1);
}

/** Splits on separators that are not nested inside brackets. */
export function splitTopLevel(text: string, sep = ","): string[] {
  const parts: string[] = [];
  let depth = 0;
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === sep && depth === 0) {
      parts.push(text.slice(last, i));
      last = i + 1;
    }
  }
  parts.push(text.slice(last));
  return parts.map((p) => p.trim()).filter(Boolean);
}

export const STRING_REF = /__s(\d+)__/g;

export function stringAt(src: PySource, placeholder: string): PyString | undefined {
  const m = /^__s(\d+)__$/.exec(placeholder.trim());
  return m ? src.strings[Number(m[1])] : undefined;
}
