import { createRequire } from "node:module";
import type * as TS from "typescript";
import type { LanguageKind } from "../language.js";
import type { FindingSink } from "../sink.js";

export type { TS };

const require = createRequire(import.meta.url);
let tsModule: typeof TS | undefined;

/**
 * The TypeScript compiler is ~9 MB of JavaScript; loading it lazily keeps
 * importing the orchestrator cheap when only Python or remote providers are
 * used. `require` (not `import()`) keeps the reviewer API synchronous.
 */
export function tsApi(): typeof TS {
  tsModule ??= require("typescript") as typeof TS;
  return tsModule;
}

export interface Comment {
  pos: number;
  end: number;
  text: string;
}

/** Everything a JS rule module needs about one parsed file. */
export interface JsContext {
  ts: typeof TS;
  sf: TS.SourceFile;
  text: string;
  path: string;
  isTypeScript: boolean;
  /** True when the file uses import/export, i.e. top-level names are not globals. */
  isModule: boolean;
  comments: Comment[];
  sink: FindingSink;
  line(pos: number): number;
  startLine(node: TS.Node): number;
  endLine(node: TS.Node): number;
}

export function createContext(path: string, code: string, kind: LanguageKind, sink: FindingSink): JsContext {
  const ts = tsApi();
  const scriptKind =
    kind === "tsx"
      ? ts.ScriptKind.TSX
      : kind === "jsx"
        ? ts.ScriptKind.JSX
        : kind === "typescript"
          ? ts.ScriptKind.TS
          : ts.ScriptKind.JS;
  const fileName = path || (kind === "tsx" ? "snippet.tsx" : kind === "typescript" ? "snippet.ts" : "snippet.js");
  const sf = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true, scriptKind);
  const line = (pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;
  return {
    ts,
    sf,
    text: code,
    path,
    isTypeScript: kind === "typescript" || kind === "tsx",
    isModule: sf.statements.some(
      (s) =>
        ts.isImportDeclaration(s) ||
        ts.isExportDeclaration(s) ||
        ts.isExportAssignment(s) ||
        ts.isImportEqualsDeclaration(s) ||
        (ts.canHaveModifiers(s) && (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)),
    ),
    comments: collectComments(ts, sf, code),
    sink,
    line,
    startLine: (node) => line(node.getStart(sf)),
    endLine: (node) => line(node.getEnd()),
  };
}

/**
 * Iterative pre-order traversal. Recursion would overflow on the left-deep
 * trees produced by long `a + b + c + ...` chains in generated code.
 */
export function walk(root: TS.Node, visit: (node: TS.Node) => boolean | void): void {
  const stack: TS.Node[] = [root];
  const children: TS.Node[] = [];
  while (stack.length > 0) {
    const node = stack.pop() as TS.Node;
    if (visit(node) === false) continue;
    children.length = 0;
    node.forEachChild((c) => {
      children.push(c);
    });
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as TS.Node);
  }
}

/**
 * Comments are found by blanking every literal the parser knows about
 * (strings, templates, regexes, JSX text) and then scanning for `//` and
 * `/*`: outside literals those sequences can only start a comment. This is
 * exact, unlike a raw token scan that cannot tell regexes from division.
 */
function collectComments(ts: typeof TS, sf: TS.SourceFile, text: string): Comment[] {
  const literalRanges: Array<[number, number]> = [];
  walk(sf, (node) => {
    const k = node.kind;
    if (
      k === ts.SyntaxKind.StringLiteral ||
      k === ts.SyntaxKind.NoSubstitutionTemplateLiteral ||
      k === ts.SyntaxKind.TemplateHead ||
      k === ts.SyntaxKind.TemplateMiddle ||
      k === ts.SyntaxKind.TemplateTail ||
      k === ts.SyntaxKind.RegularExpressionLiteral ||
      k === ts.SyntaxKind.JsxText
    ) {
      literalRanges.push([k === ts.SyntaxKind.JsxText ? node.pos : node.getStart(sf), node.end]);
    }
  });
  literalRanges.sort((a, b) => a[0] - b[0]);
  const comments: Comment[] = [];
  let r = 0;
  let i = 0;
  while (i < text.length - 1) {
    const range = literalRanges[r];
    if (range && i >= range[0]) {
      i = Math.max(i, range[1]);
      r++;
      continue;
    }
    const limit = range ? range[0] : text.length;
    const slash = text.indexOf("/", i);
    if (slash < 0 || slash >= limit) {
      i = limit;
      continue;
    }
    const next = text[slash + 1];
    if (next === "/" || next === "*") {
      const end = next === "/" ? lineEnd(text, slash) : closeBlock(text, slash);
      comments.push({ pos: slash, end, text: text.slice(slash, end) });
      i = end;
      while (literalRanges[r] && (literalRanges[r] as [number, number])[1] <= i) r++;
    } else {
      i = slash + 1;
    }
  }
  return comments;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf("\n", from);
  return nl < 0 ? text.length : nl;
}

function closeBlock(text: string, from: number): number {
  const close = text.indexOf("*/", from + 2);
  return close < 0 ? text.length : close + 2;
}

export function hasCommentBetween(ctx: JsContext, start: number, end: number): boolean {
  return ctx.comments.some((c) => c.pos >= start && c.end <= end);
}

export function isFunctionLike(ts: typeof TS, node: TS.Node): node is TS.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

/** Human-readable name for messages: declared name, the variable/property it is assigned to, or "anonymous". */
export function functionName(ts: typeof TS, fn: TS.FunctionLikeDeclaration): string {
  if (ts.isConstructorDeclaration(fn)) return "constructor";
  if (fn.name && (ts.isIdentifier(fn.name) || ts.isStringLiteral(fn.name) || ts.isPrivateIdentifier(fn.name)))
    return fn.name.text;
  const p = fn.parent;
  if (ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
  if ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && ts.isIdentifier(p.name)) return p.name.text;
  if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken)
    return p.left.getText().slice(0, 60);
  if (ts.isCallExpression(p) && p.arguments.some((a) => a === fn)) {
    const callee = calleeName(ts, p);
    if (callee) return `callback passed to ${callee}()`;
  }
  return "anonymous function";
}

/** Last identifier of a callee: `a.b.query` → "query", `exec` → "exec". */
export function calleeName(ts: typeof TS, call: TS.CallExpression | TS.NewExpression): string | undefined {
  const e = call.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  if (ts.isElementAccessExpression(e) && ts.isStringLiteral(e.argumentExpression)) return e.argumentExpression.text;
  return undefined;
}

/** Text of the object a method is called on: `db.pool.query()` → "db.pool". */
export function calleeObject(ts: typeof TS, call: TS.CallExpression): string | undefined {
  const e = call.expression;
  return ts.isPropertyAccessExpression(e) ? e.expression.getText() : undefined;
}

export function skipParens(ts: typeof TS, node: TS.Expression): TS.Expression {
  let n = node;
  while (
    ts.isParenthesizedExpression(n) ||
    ts.isAsExpression(n) ||
    ts.isNonNullExpression(n) ||
    ts.isTypeAssertionExpression(n)
  )
    n = n.expression;
  return n;
}

export function isStringLike(
  ts: typeof TS,
  node: TS.Node,
): node is TS.StringLiteral | TS.NoSubstitutionTemplateLiteral {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);
}
