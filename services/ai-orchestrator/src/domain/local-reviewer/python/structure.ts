import type { FindingSink } from "../sink.js";
import { bracketContent, displayCode, lineAt, splitTopLevel, type PyLine, type PySource } from "./lexer.js";

/** Same limits as the JS analyzer so scores are comparable across languages. */
const LIMITS = { complexity: 10, complexityHigh: 20, params: 5, functionLines: 60, nesting: 4 } as const;

export interface PyFunction {
  name: string;
  def: PyLine;
  index: number;
  /** exclusive index of the first logical line after the body */
  bodyEnd: number;
  endLine: number;
}

const DEF = /^(?:async\s+)?def\s+(\w+)\s*\(/;

/** A def's body is every following logical line indented deeper than the def itself. */
export function findFunctions(src: PySource): PyFunction[] {
  const fns: PyFunction[] = [];
  src.lines.forEach((l, index) => {
    const m = DEF.exec(l.code);
    if (!m) return;
    let k = index + 1;
    while (k < src.lines.length && (src.lines[k] as PyLine).indent > l.indent) k++;
    const endLine = k > index + 1 ? (src.lines[k - 1] as PyLine).endLine : l.endLine;
    fns.push({ name: m[1] as string, def: l, index, bodyEnd: k, endLine });
  });
  return fns;
}

const DECISION = /\b(?:if|elif|for|while|except|and|or)\b/g;

export function checkPythonStructure(src: PySource, sink: FindingSink): void {
  for (const fn of findFunctions(src)) {
    checkSignature(src, fn, sink);
    const body = src.lines.slice(fn.index + 1, fn.bodyEnd);
    // Complexity excludes nested defs: they are separate units measured on their own.
    let complexity = 1;
    let nestedIndent = Infinity;
    let codeLines = fn.def.endLine - fn.def.line + 1;
    for (const l of body) {
      codeLines += l.endLine - l.line + 1;
      if (l.indent <= nestedIndent) nestedIndent = Infinity;
      if (nestedIndent !== Infinity) continue;
      if (DEF.test(l.code)) {
        nestedIndent = l.indent;
        continue;
      }
      complexity += l.code.match(DECISION)?.length ?? 0;
      if (/^case\b/.test(l.code)) complexity++;
    }
    if (complexity > LIMITS.complexity) {
      sink.add(
        "maintainability/cyclomatic-complexity",
        fn.def.line,
        `\`${fn.name}\` has cyclomatic complexity ${complexity} (limit ${LIMITS.complexity}); it is hard to test every path.`,
        "Extract branches into helper functions, return early, or use a dict dispatch instead of long if/elif chains.",
        { severity: complexity > LIMITS.complexityHigh ? "high" : "medium", endLine: fn.endLine },
      );
    }
    if (codeLines > LIMITS.functionLines) {
      sink.add(
        "maintainability/long-function",
        fn.def.line,
        `\`${fn.name}\` has ${codeLines} lines of code (limit ${LIMITS.functionLines}).`,
        "Split it into smaller functions that each do one thing.",
        { endLine: fn.endLine },
      );
    }
    checkNesting(fn, body, sink);
  }
}

function checkSignature(src: PySource, fn: PyFunction, sink: FindingSink): void {
  const code = fn.def.code;
  const open = code.indexOf("(");
  const params = splitTopLevel(bracketContent(code, open));
  const regular = params.filter((p) => !/^(?:self|cls)\b/.test(p) && p !== "*" && p !== "/" && !p.startsWith("*"));
  if (regular.length > LIMITS.params) {
    sink.add(
      "maintainability/too-many-parameters",
      fn.def.line,
      `\`${fn.name}\` takes ${regular.length} parameters (limit ${LIMITS.params}).`,
      "Group related parameters into a dataclass / TypedDict, or make rarely used ones keyword-only with defaults.",
    );
  }
  let searchFrom = open;
  for (const p of params) {
    const at = code.indexOf(p, searchFrom);
    searchFrom = at >= 0 ? at + p.length : searchFrom;
    // split on the first top-level "=" that is not part of an annotation's default brackets
    const eq = p.search(/=(?!=)/);
    if (eq < 0) continue;
    const name = (p.slice(0, eq).split(":")[0] ?? "").trim();
    const value = p.slice(eq + 1).trim();
    if (!/^(?:\[|\{|(?:list|dict|set|bytearray|defaultdict|OrderedDict|Counter|deque)\s*\()/.test(value)) continue;
    sink.add(
      "correctness/mutable-default-arg",
      lineAt(fn.def, Math.max(at, 0)),
      `Parameter \`${name}\` of \`${fn.name}\` has a mutable default (${displayCode(src, value, 24)}); it is created once and shared by every call.`,
      `Default to None and create the object inside: \`${name}=None\`, then \`if ${name} is None: ${name} = ${displayCode(src, value, 24)}\`.`,
    );
  }
}

/** Reports the statement that opens the first block beyond the limit (same convention as the JS analyzer). */
function checkNesting(fn: PyFunction, body: PyLine[], sink: FindingSink): void {
  const stack: Array<{ indent: number; opener: PyLine }> = [{ indent: fn.def.indent, opener: fn.def }];
  let previous: PyLine = fn.def;
  for (const l of body) {
    while (stack.length > 1 && (stack[stack.length - 1] as { indent: number }).indent >= l.indent) stack.pop();
    if (l.indent > (stack[stack.length - 1] as { indent: number }).indent)
      stack.push({ indent: l.indent, opener: previous });
    previous = l;
    const blocks = stack.length - 2; // the function body itself is not nesting
    if (blocks > LIMITS.nesting) {
      const opener = (stack[stack.length - 1] as { opener: PyLine }).opener;
      sink.add(
        "maintainability/deep-nesting",
        opener.line,
        `Code in \`${fn.name}\` is nested ${blocks} blocks deep (limit ${LIMITS.nesting}).`,
        "Use guard clauses (early return/continue) and extract inner blocks into helper functions.",
      );
      return;
    }
  }
}
