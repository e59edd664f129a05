import { functionName, isFunctionLike, walk, type JsContext, type TS } from "./ast.js";

/**
 * Size and shape metrics per function. Thresholds follow common lint
 * defaults (ESLint complexity 10 → we warn above 10, max-params, max-lines-
 * per-function, max-depth) and are deliberately fixed so findings are
 * reproducible across installations.
 */
export const LIMITS = { complexity: 10, complexityHigh: 20, params: 5, functionLines: 60, nesting: 4 } as const;

export function checkMetrics(ctx: JsContext): void {
  const { ts } = ctx;
  const codeLines = codeLineFlags(ctx);
  walk(ctx.sf, (node) => {
    if (!isFunctionLike(ts, node) || !node.body) return;
    const name = functionName(ts, node);
    const start = ctx.startLine(node);
    const end = ctx.endLine(node);

    const complexity = cyclomaticComplexity(ts, node.body);
    if (complexity > LIMITS.complexity) {
      ctx.sink.add(
        "maintainability/cyclomatic-complexity",
        start,
        `\`${name}\` has cyclomatic complexity ${complexity} (limit ${LIMITS.complexity}); it is hard to test every path.`,
        "Extract branches into well-named helpers, use early returns, or replace conditionals with a lookup table.",
        { severity: complexity > LIMITS.complexityHigh ? "high" : "medium", endLine: end },
      );
    }
    const params = node.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === "this")).length;
    if (params > LIMITS.params) {
      ctx.sink.add(
        "maintainability/too-many-parameters",
        start,
        `\`${name}\` takes ${params} parameters (limit ${LIMITS.params}); call sites are easy to get wrong.`,
        "Group related parameters into an options object.",
      );
    }
    let lines = 0;
    for (let l = start; l <= end; l++) lines += codeLines[l] ?? 0;
    if (lines > LIMITS.functionLines) {
      ctx.sink.add(
        "maintainability/long-function",
        start,
        `\`${name}\` has ${lines} lines of code (limit ${LIMITS.functionLines}).`,
        "Split it into smaller functions that each do one thing.",
        { endLine: end },
      );
    }
    checkNesting(ctx, node.body, name);
  });
}

/** 1 + decision points, not descending into nested functions (they are measured separately). */
export function cyclomaticComplexity(ts: typeof TS, body: TS.Node): number {
  let n = 1;
  walk(body, (node) => {
    if (node !== body && isFunctionLike(ts, node)) return false;
    switch (node.kind) {
      case ts.SyntaxKind.IfStatement:
      case ts.SyntaxKind.ForStatement:
      case ts.SyntaxKind.ForInStatement:
      case ts.SyntaxKind.ForOfStatement:
      case ts.SyntaxKind.WhileStatement:
      case ts.SyntaxKind.DoStatement:
      case ts.SyntaxKind.CaseClause:
      case ts.SyntaxKind.CatchClause:
      case ts.SyntaxKind.ConditionalExpression:
        n++;
        break;
      case ts.SyntaxKind.BinaryExpression: {
        const op = (node as TS.BinaryExpression).operatorToken.kind;
        if (
          op === ts.SyntaxKind.AmpersandAmpersandToken ||
          op === ts.SyntaxKind.BarBarToken ||
          op === ts.SyntaxKind.QuestionQuestionToken ||
          op === ts.SyntaxKind.AmpersandAmpersandEqualsToken ||
          op === ts.SyntaxKind.BarBarEqualsToken ||
          op === ts.SyntaxKind.QuestionQuestionEqualsToken
        ) {
          n++;
        }
        break;
      }
    }
    return undefined;
  });
  return n;
}

function isNestingStatement(ts: typeof TS, node: TS.Node): boolean {
  // `else if` continues a chain rather than opening a deeper level.
  if (ts.isIfStatement(node)) return !(ts.isIfStatement(node.parent) && node.parent.elseStatement === node);
  return (
    ts.isForStatement(node) ||
    ts.isForInStatement(node) ||
    ts.isForOfStatement(node) ||
    ts.isWhileStatement(node) ||
    ts.isDoStatement(node) ||
    ts.isSwitchStatement(node) ||
    ts.isTryStatement(node) ||
    ts.isWithStatement(node)
  );
}

/** Reports the first statement that exceeds the depth limit, once per function. */
function checkNesting(ctx: JsContext, body: TS.Node, name: string): void {
  const { ts } = ctx;
  let reported = false;
  walk(body, (node) => {
    if (reported || (node !== body && isFunctionLike(ts, node))) return false;
    if (!isNestingStatement(ts, node)) return undefined;
    let depth = 0;
    for (let n: TS.Node | undefined = node; n && n !== body; n = n.parent) if (isNestingStatement(ts, n)) depth++;
    if (depth > LIMITS.nesting) {
      reported = true;
      ctx.sink.add(
        "maintainability/deep-nesting",
        ctx.startLine(node),
        `Code in \`${name}\` is nested ${depth} levels deep (limit ${LIMITS.nesting}).`,
        "Use guard clauses / early returns and extract the inner blocks into functions.",
      );
    }
    return undefined;
  });
}

/** codeLines[l] = 1 when 1-based line l contains something other than whitespace and comments. */
function codeLineFlags(ctx: JsContext): Uint8Array {
  const chars = ctx.text.split("");
  for (const c of ctx.comments) for (let i = c.pos; i < c.end; i++) if (chars[i] !== "\n") chars[i] = " ";
  const lines = chars.join("").split("\n");
  const flags = new Uint8Array(lines.length + 2);
  lines.forEach((l, i) => {
    if (l.trim() !== "") flags[i + 1] = 1;
  });
  return flags;
}
