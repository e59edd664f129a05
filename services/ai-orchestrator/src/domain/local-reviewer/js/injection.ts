import { calleeName, isStringLike, skipParens, walk, type JsContext, type TS } from "./ast.js";
import { isConstantString, isTainted, resolveIdentifier } from "./dataflow.js";

/**
 * Injection-class rules: code evaluation, OS command and SQL sinks (browser
 * and HTTP sinks live in web.ts). Each sink is recognised structurally (the call or
 * assignment node), and flagged only when the data reaching it is not a
 * compile-time constant.
 */
export function checkInjection(ctx: JsContext): void {
  const { ts } = ctx;
  const cp = childProcessBindings(ctx);
  walk(ctx.sf, (node) => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) checkEval(ctx, node);
    if (ts.isCallExpression(node)) {
      checkCommand(ctx, node, cp);
      checkSql(ctx, node);
    }
  });
}

function checkEval(ctx: JsContext, node: TS.CallExpression | TS.NewExpression): void {
  const { ts } = ctx;
  const callee = node.expression;
  const args: readonly TS.Expression[] = node.arguments ?? [];
  const line = ctx.startLine(node);
  if (ts.isIdentifier(callee) && callee.text === "eval") {
    ctx.sink.add(
      "security/eval",
      line,
      "`eval()` executes arbitrary code and defeats static analysis and CSP.",
      "Parse data with JSON.parse, or use a lookup table / explicit dispatch instead of evaluating strings.",
    );
  } else if (ts.isIdentifier(callee) && callee.text === "Function") {
    ctx.sink.add(
      "security/eval",
      line,
      "`Function(...)` constructor compiles code from strings, equivalent to eval().",
      "Replace the dynamically built function with a regular function or a dispatch table.",
    );
  } else if (
    ts.isCallExpression(node) &&
    ts.isIdentifier(callee) &&
    /^set(?:Timeout|Interval|Immediate)$/.test(callee.text)
  ) {
    const first = args[0];
    if (first && (isStringLike(ts, first) || ts.isTemplateExpression(first) || ts.isBinaryExpression(first))) {
      ctx.sink.add(
        "security/eval",
        line,
        `\`${callee.text}\` with a string argument evaluates it as code.`,
        "Pass a function instead of a string.",
      );
    }
  } else if (
    ts.isCallExpression(node) &&
    ts.isPropertyAccessExpression(callee) &&
    /^run(?:InNewContext|InThisContext|InContext)$/.test(callee.name.text)
  ) {
    const first = args[0];
    if (first && !isConstantString(ctx, first)) {
      ctx.sink.add(
        "security/eval",
        line,
        "`vm` script execution with dynamic source; the vm module is not a security sandbox.",
        "Avoid executing dynamic code; if unavoidable, run it in an isolated process with no privileges.",
      );
    }
  }
}

interface ChildProcess {
  namespaces: Set<string>;
  functions: Map<string, string>;
}

const SHELL_FUNCS = new Set(["exec", "execSync"]);
const SPAWN_FUNCS = new Set(["spawn", "spawnSync", "execFile", "execFileSync"]);

function isChildProcessModule(ctx: JsContext, expr: TS.Node | undefined): boolean {
  const { ts } = ctx;
  if (!expr) return false;
  const text = ts.isStringLiteral(expr) ? expr.text : undefined;
  if (text === "child_process" || text === "node:child_process") return true;
  if (ts.isCallExpression(expr) && ts.isIdentifier(expr.expression) && expr.expression.text === "require") {
    return isChildProcessModule(ctx, expr.arguments[0]);
  }
  if (ts.isAwaitExpression(expr) || ts.isParenthesizedExpression(expr))
    return isChildProcessModule(ctx, expr.expression);
  return false;
}

/** Which local names refer to child_process or its functions (imports and requires). */
function childProcessBindings(ctx: JsContext): ChildProcess {
  const { ts } = ctx;
  const out: ChildProcess = { namespaces: new Set(), functions: new Map() };
  walk(ctx.sf, (node) => {
    if (ts.isImportDeclaration(node) && isChildProcessModule(ctx, node.moduleSpecifier)) {
      const clause = node.importClause;
      if (clause?.name) out.namespaces.add(clause.name.text);
      const nb = clause?.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) out.namespaces.add(nb.name.text);
      if (nb && ts.isNamedImports(nb))
        for (const el of nb.elements) out.functions.set(el.name.text, (el.propertyName ?? el.name).getText());
    } else if (ts.isVariableDeclaration(node) && node.initializer && isChildProcessModule(ctx, node.initializer)) {
      if (ts.isIdentifier(node.name)) out.namespaces.add(node.name.text);
      else if (ts.isObjectBindingPattern(node.name)) {
        for (const el of node.name.elements)
          if (ts.isIdentifier(el.name)) out.functions.set(el.name.text, (el.propertyName ?? el.name).getText());
      }
    }
  });
  return out;
}

function checkCommand(ctx: JsContext, call: TS.CallExpression, cp: ChildProcess): void {
  const { ts } = ctx;
  const callee = call.expression;
  let fn: string | undefined;
  if (ts.isIdentifier(callee)) fn = cp.functions.get(callee.text);
  else if (ts.isPropertyAccessExpression(callee)) {
    const obj = callee.expression;
    if ((ts.isIdentifier(obj) && cp.namespaces.has(obj.text)) || isChildProcessModule(ctx, obj)) fn = callee.name.text;
  }
  if (!fn) return;
  const cmd = call.arguments[0];
  if (!cmd || isConstantString(ctx, cmd)) return;
  const usesShell =
    SHELL_FUNCS.has(fn) ||
    (SPAWN_FUNCS.has(fn) && call.arguments.some((a) => /\bshell\s*:\s*(?:true|['"`])/.test(a.getText())));
  if (!usesShell) return;
  const built = isBuiltString(ctx, cmd) || isTainted(ctx, cmd);
  ctx.sink.add(
    "security/command-injection",
    ctx.startLine(call),
    `\`${fn}\` runs a shell command built from non-constant data; shell metacharacters in it lead to command injection.`,
    "Use execFile/spawn with a constant command and an argument array (no shell), and validate arguments against an allow-list.",
    { severity: built ? "critical" : "high" },
  );
}

/** A string assembled at runtime from pieces: template with substitutions or `+` concatenation. */
function isBuiltString(ctx: JsContext, expr: TS.Expression): boolean {
  const { ts } = ctx;
  const e = skipParens(ts, expr);
  if (ts.isTemplateExpression(e)) return !isConstantString(ctx, e);
  if (
    ts.isBinaryExpression(e) &&
    (e.operatorToken.kind === ts.SyntaxKind.PlusToken || e.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken)
  ) {
    return !isConstantString(ctx, e);
  }
  if (
    ts.isCallExpression(e) &&
    ts.isPropertyAccessExpression(e.expression) &&
    /^(?:concat|join|replace|format)$/.test(e.expression.name.text)
  )
    return true;
  return false;
}

/** Literal fragments of a built string, used to decide whether it is SQL. */
function staticText(ctx: JsContext, expr: TS.Expression): string {
  const { ts } = ctx;
  const parts: string[] = [];
  walk(expr, (n) => {
    if (isStringLike(ts, n)) parts.push(n.text);
    else if (ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)) parts.push(n.text);
    else if (ts.isCallExpression(n) && n !== expr) return false;
    return undefined;
  });
  return parts.join(" ? ");
}

const SQL_TEXT =
  /\bselect\b[\s\S]*\bfrom\b|\binsert\s+into\b|\bupdate\b[\s\S]*\bset\b|\bdelete\s+from\b|\bwhere\b[\s\S]*(?:=|<|>|\blike\b|\bin\b)|\border\s+by\b|\b(?:drop|alter|create)\s+table\b/i;
const SQL_SINKS =
  /^(?:query|execute|exec|raw|prepare|run|all|get|unsafe|\$queryRawUnsafe|\$executeRawUnsafe|queryRaw|executeRaw|many|one|none|any|oneOrNone|manyOrNone)$/;

/** Runtime-valued pieces of a built string: template substitutions and non-constant `+` operands. */
function dynamicParts(ctx: JsContext, expr: TS.Expression): TS.Expression[] {
  const { ts } = ctx;
  const parts: TS.Expression[] = [];
  // Explicit stack: generated code can contain `+` chains thousands of operands long.
  const stack: TS.Expression[] = [expr];
  while (stack.length > 0) {
    const e = skipParens(ts, stack.pop() as TS.Expression);
    if (ts.isTemplateExpression(e)) {
      for (const span of e.templateSpans) if (!isConstantString(ctx, span.expression)) parts.push(span.expression);
    } else if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      stack.push(e.right, e.left);
    } else if (!isConstantString(ctx, e)) {
      parts.push(e);
    }
  }
  return parts;
}

const SQL_ESCAPERS = /(?:quote|escape|ident|literal|sanitiz)/i;

function checkSql(ctx: JsContext, call: TS.CallExpression): void {
  const { ts } = ctx;
  const name = calleeName(ts, call);
  const arg = call.arguments[0];
  if (!name || !arg || !SQL_SINKS.test(name)) return;
  let expr: TS.Expression | undefined = arg;
  if (!isBuiltString(ctx, expr)) expr = resolveIdentifier(ctx, arg); // one hop: const sql = `...${x}`
  if (!expr || !isBuiltString(ctx, expr) || !SQL_TEXT.test(staticText(ctx, expr))) return;
  const parts = dynamicParts(ctx, expr);
  // Values passed through an escaping helper (e.g. quoteIdent(schema)) were handled deliberately.
  if (
    parts.length > 0 &&
    parts.every(
      (p) =>
        ts.isCallExpression(skipParens(ts, p)) &&
        SQL_ESCAPERS.test((skipParens(ts, p) as TS.CallExpression).expression.getText()),
    )
  )
    return;
  const tainted = parts.some((p) => isTainted(ctx, p));
  ctx.sink.add(
    "security/sql-injection",
    ctx.startLine(call),
    `SQL passed to \`${name}()\` is built by string ${ts.isTemplateExpression(skipParens(ts, expr)) ? "interpolation" : "concatenation"}${tainted ? " from request input" : ""}; attacker-controlled values can change the query.`,
    "Use parameterised queries (placeholders like $1 / ? with a values array) or a query builder's bound parameters; for table/column names, validate against an allow-list or quote them with an identifier-escaping helper.",
    { severity: tainted ? "critical" : "high" },
  );
}
