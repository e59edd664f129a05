import { calleeName, hasCommentBetween, isFunctionLike, skipParens, walk, type JsContext, type TS } from "./ast.js";

/** Bugs that compile fine but misbehave at runtime. */
export function checkCorrectness(ctx: JsContext): void {
  const { ts } = ctx;
  const asyncNames = asyncFunctionNames(ctx);
  walk(ctx.sf, (node) => {
    if (ts.isCatchClause(node)) checkEmptyCatch(ctx, node.block, "catch block");
    else if (ts.isBinaryExpression(node)) checkLooseEquality(ctx, node);
    else if (ts.isExpressionStatement(node)) checkFloating(ctx, node, asyncNames);
    else if (ts.isIfStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node))
      checkAssignmentInCondition(ctx, node);
    else if (ts.isNonNullExpression(node)) checkNonNullChain(ctx, node);
    else if (node.kind === ts.SyntaxKind.DebuggerStatement) {
      ctx.sink.add(
        "correctness/debugger",
        ctx.startLine(node),
        "`debugger` statement left in code pauses execution whenever devtools are attached.",
        "Remove the debugger statement.",
      );
    }
    if (
      ts.isBlock(node) ||
      ts.isSourceFile(node) ||
      ts.isCaseClause(node) ||
      ts.isDefaultClause(node) ||
      ts.isModuleBlock(node)
    ) {
      checkUnreachable(ctx, node.statements);
    }
    if (
      ts.isCallExpression(node) &&
      calleeName(ts, node) === "catch" &&
      ts.isPropertyAccessExpression(node.expression)
    ) {
      const handler = node.arguments[0];
      if (handler && (ts.isArrowFunction(handler) || ts.isFunctionExpression(handler)) && ts.isBlock(handler.body)) {
        checkEmptyCatch(ctx, handler.body, "`.catch()` handler");
      }
    }
  });
}

function checkEmptyCatch(ctx: JsContext, block: TS.Block, what: string): void {
  // A comment inside the block documents that ignoring the error is deliberate.
  if (block.statements.length > 0 || hasCommentBetween(ctx, block.getStart(ctx.sf), block.end)) return;
  ctx.sink.add(
    "correctness/empty-catch",
    ctx.startLine(block),
    `Empty ${what} silently swallows errors, hiding failures.`,
    "Handle the error, log it with context, or rethrow; if ignoring is intended, add a comment explaining why.",
  );
}

function checkLooseEquality(ctx: JsContext, node: TS.BinaryExpression): void {
  const { ts } = ctx;
  const op = node.operatorToken.kind;
  if (op !== ts.SyntaxKind.EqualsEqualsToken && op !== ts.SyntaxKind.ExclamationEqualsToken) return;
  const isNullish = (e: TS.Expression): boolean => {
    const x = skipParens(ts, e);
    return x.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(x) && x.text === "undefined");
  };
  // `x == null` is the idiomatic null-or-undefined test; typeof always yields a string, so == is exact there.
  if (
    isNullish(node.left) ||
    isNullish(node.right) ||
    ts.isTypeOfExpression(node.left) ||
    ts.isTypeOfExpression(node.right)
  )
    return;
  const strict = op === ts.SyntaxKind.EqualsEqualsToken ? "===" : "!==";
  ctx.sink.add(
    "correctness/loose-equality",
    ctx.startLine(node),
    `\`${node.operatorToken.getText()}\` performs type coercion (e.g. 0 == "" is true).`,
    `Use \`${strict}\`; convert explicitly first (e.g. Number(x), String(x)) if the types may differ on purpose.`,
  );
}

/** Names of functions/methods declared `async` in this file (methods only when no sync namesake exists). */
function asyncFunctionNames(ctx: JsContext): Set<string> {
  const { ts } = ctx;
  const asyncNames = new Set<string>();
  const syncNames = new Set<string>();
  walk(ctx.sf, (node) => {
    if (!isFunctionLike(ts, node)) return;
    let name: string | undefined;
    if (node.name && ts.isIdentifier(node.name)) name = node.name.text;
    else if (ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name)) name = node.parent.name.text;
    if (!name) return;
    const isAsync = (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
    (isAsync ? asyncNames : syncNames).add(name);
  });
  for (const n of syncNames) asyncNames.delete(n);
  return asyncNames;
}

function checkFloating(ctx: JsContext, stmt: TS.ExpressionStatement, asyncNames: Set<string>): void {
  const { ts } = ctx;
  const expr = skipParens(ts, stmt.expression);
  if (!ts.isCallExpression(expr)) return;
  // Collect method names along the chain: a.then(f).catch(g) → ["catch", "then"].
  const chain: Array<{ name: string; args: number }> = [];
  let cur: TS.Expression = expr;
  while (ts.isCallExpression(cur) && ts.isPropertyAccessExpression(cur.expression)) {
    chain.push({ name: cur.expression.name.text, args: cur.arguments.length });
    cur = cur.expression.expression;
  }
  const handled = chain.some((c) => c.name === "catch" || (c.name === "then" && c.args >= 2));
  if (chain.some((c) => c.name === "then") && !handled) {
    ctx.sink.add(
      "correctness/floating-promise",
      ctx.startLine(stmt),
      "Promise chain has `.then()` but no rejection handler; a failure becomes an unhandled rejection (which crashes Node.js by default).",
      "Add `.catch(...)`, or `await` it inside try/catch; use `void` only if failure is truly irrelevant.",
    );
    return;
  }
  const name = calleeName(ts, expr);
  if (chain.length <= 1 && name && asyncNames.has(name)) {
    ctx.sink.add(
      "correctness/floating-promise",
      ctx.startLine(stmt),
      `Result of async \`${name}()\` is neither awaited nor handled; errors are lost and ordering is not guaranteed.`,
      "`await` the call (inside try/catch), return it, or attach `.catch(...)`; prefix with `void` if fire-and-forget is intended.",
    );
  }
}

/** Whether control can never continue past this statement. */
function terminates(ts: typeof TS, s: TS.Statement): boolean {
  if (ts.isReturnStatement(s) || ts.isThrowStatement(s) || ts.isBreakStatement(s) || ts.isContinueStatement(s))
    return true;
  if (ts.isBlock(s)) return s.statements.some((x) => terminates(ts, x));
  if (ts.isIfStatement(s))
    return s.elseStatement !== undefined && terminates(ts, s.thenStatement) && terminates(ts, s.elseStatement);
  return false;
}

function checkUnreachable(ctx: JsContext, statements: TS.NodeArray<TS.Statement>): void {
  const { ts } = ctx;
  const idx = statements.findIndex((s) => terminates(ts, s));
  if (idx < 0) return;
  const dead = statements.slice(idx + 1).find(
    (s) =>
      // function declarations are hoisted and type declarations have no runtime effect
      !ts.isFunctionDeclaration(s) &&
      !ts.isEmptyStatement(s) &&
      !ts.isInterfaceDeclaration(s) &&
      !ts.isTypeAliasDeclaration(s) &&
      !(
        ts.isVariableStatement(s) &&
        !(s.declarationList.flags & ts.NodeFlags.BlockScoped) &&
        s.declarationList.declarations.every((d) => !d.initializer)
      ),
  );
  if (!dead) return;
  const exit = statements[idx] as TS.Statement;
  const why =
    ts.isIfStatement(exit) || ts.isBlock(exit)
      ? "an if/else whose branches all exit"
      : `\`${exit.getFirstToken(ctx.sf)?.getText() ?? "return"}\``;
  ctx.sink.add(
    "correctness/unreachable-code",
    ctx.startLine(dead),
    `Unreachable code: it follows ${why} and can never run.`,
    "Remove the dead code, or move it before the statement that exits.",
  );
}

function checkAssignmentInCondition(ctx: JsContext, node: TS.IfStatement | TS.WhileStatement | TS.DoStatement): void {
  const { ts } = ctx;
  const cond = node.expression; // not unwrapped: `if ((a = b))` is the accepted "I mean it" spelling
  if (!ts.isBinaryExpression(cond) || cond.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return;
  // `while (m = re.exec(s))` style loops are an established idiom.
  if (!ts.isIfStatement(node) && ts.isCallExpression(skipParens(ts, cond.right))) return;
  ctx.sink.add(
    "correctness/assignment-in-condition",
    ctx.startLine(cond),
    "Assignment used as a condition; this is usually a typo for `===`.",
    "Use `===` for comparison, or assign first and test on the next line (or wrap in extra parentheses if intended).",
  );
}

function isChainLink(ts: typeof TS, node: TS.Node, child: TS.Node): boolean {
  return (
    ((ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node) || ts.isCallExpression(node)) &&
      node.expression === child) ||
    ts.isNonNullExpression(node)
  );
}

function checkNonNullChain(ctx: JsContext, node: TS.NonNullExpression): void {
  const { ts } = ctx;
  // Only handle the outermost `!` of a chain so each chain is reported once.
  for (let n: TS.Node = node; n.parent && isChainLink(ts, n.parent, n); n = n.parent) {
    if (ts.isNonNullExpression(n.parent)) return;
  }
  let count = 0;
  let cur: TS.Expression = node;
  while (
    ts.isNonNullExpression(cur) ||
    ts.isPropertyAccessExpression(cur) ||
    ts.isElementAccessExpression(cur) ||
    ts.isCallExpression(cur)
  ) {
    if (ts.isNonNullExpression(cur)) count++;
    cur = cur.expression;
  }
  if (count < 2) return;
  ctx.sink.add(
    "correctness/non-null-assertion",
    ctx.startLine(node),
    `Chain of ${count} non-null assertions (\`!\`); each one silences a possible undefined at runtime.`,
    "Narrow with explicit checks or optional chaining (`?.`) and handle the missing case.",
  );
}
