/**
 * Detects regular expressions prone to catastrophic backtracking (ReDoS).
 *
 * The classic shape is an unbounded quantifier applied to a group whose own
 * content can match the same text in several ways: (a+)+, (\w+\s?)*,
 * ([a-z]+.)+ . We approximate "several ways" as: some alternative of the
 * group contains an unbounded element and has no mandatory *narrow* atom (a
 * literal or a specific class) that would force each repetition to consume a
 * separator. That keeps common safe patterns such as ([a-z]+\.)+ or
 * (\s*,\s*)+ quiet. It is a heuristic, not a full NFA ambiguity analysis.
 */

interface Frame {
  /** current alternative has a mandatory narrow atom */
  altFixed: boolean;
  /** some finished alternative lacked a mandatory narrow atom */
  anyAltLoose: boolean;
  /** group contains an unbounded quantifier anywhere inside */
  hasUnbounded: boolean;
}

interface Quantifier {
  length: number;
  min: number;
  unbounded: boolean;
}

function readQuantifier(p: string, i: number): Quantifier | undefined {
  const c = p[i];
  let q: Quantifier | undefined;
  if (c === "*") q = { length: 1, min: 0, unbounded: true };
  else if (c === "+") q = { length: 1, min: 1, unbounded: true };
  else if (c === "?") q = { length: 1, min: 0, unbounded: false };
  else if (c === "{") {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
    // A large finite bound backtracks as badly as an unbounded one.
    q = { length: m[0].length, min, unbounded: max === Infinity || max >= 100 };
  }
  if (q && p[i + q.length] === "?") q.length++; // lazy modifier does not change ambiguity
  return q;
}

/** Returns the index of the offending group's closing paren, or -1 if the pattern looks safe. */
export function findNestedQuantifier(pattern: string): number {
  const stack: Frame[] = [{ altFixed: false, anyAltLoose: false, hasUnbounded: false }];
  const top = (): Frame => stack[stack.length - 1] as Frame;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    let atomEnd = i + 1;
    let narrow = true;
    let closed: Frame | undefined;
    if (c === "\\") {
      const e = pattern[i + 1] ?? "";
      // \w \s \S \D overlap with most text; \b \B are assertions that consume nothing.
      narrow = !/[wWsSDbB]/.test(e);
      atomEnd = i + 2;
    } else if (c === "[") {
      let j = i + 1;
      if (pattern[j] === "^") narrow = false; // negated classes match almost anything
      if (pattern[j] === "]") j++;
      while (j < pattern.length && pattern[j] !== "]") j += pattern[j] === "\\" ? 2 : 1;
      const body = pattern.slice(i + 1, j);
      if (/\\[wWsSD]|\\S/.test(body)) narrow = false;
      atomEnd = j + 1;
    } else if (c === "(") {
      stack.push({ altFixed: false, anyAltLoose: false, hasUnbounded: false });
      const look = /^\(\?(?:[:=!]|<[=!]|<[A-Za-z_]\w*>)/.exec(pattern.slice(i));
      i += look ? look[0].length : 1;
      continue;
    } else if (c === ")") {
      if (stack.length === 1) {
        i++;
        continue;
      }
      closed = stack.pop() as Frame;
      if (!closed.altFixed) closed.anyAltLoose = true;
      atomEnd = i + 1;
    } else if (c === "|") {
      const f = top();
      if (!f.altFixed) f.anyAltLoose = true;
      f.altFixed = false;
      i++;
      continue;
    } else if (c === ".") {
      narrow = false;
    } else if (c === "^" || c === "$") {
      i++;
      continue;
    }

    const q = readQuantifier(pattern, atomEnd);
    const parent = top();
    if (closed) {
      if (q?.unbounded && closed.hasUnbounded && closed.anyAltLoose) return i;
      parent.hasUnbounded ||= closed.hasUnbounded || Boolean(q?.unbounded);
      const groupFixed = !closed.anyAltLoose && (!q || q.min >= 1) && !q?.unbounded;
      parent.altFixed ||= groupFixed;
    } else {
      if (q?.unbounded) parent.hasUnbounded = true;
      if (narrow && (!q || (q.min >= 1 && !q.unbounded))) parent.altFixed = true;
    }
    i = atomEnd + (q?.length ?? 0);
  }
  return -1;
}

export const REDOS_SUGGESTION =
  "Remove the nested quantifier (e.g. (a+)+ → a+), make repetitions unambiguous with a required separator, or bound the input length before matching.";
