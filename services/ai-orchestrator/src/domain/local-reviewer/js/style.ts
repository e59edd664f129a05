import { todoFinding, todoMessage, TODO_SUGGESTION } from "../shared/todo.js";
import { calleeName, isFunctionLike, walk, type JsContext, type TS } from "./ast.js";

/** Style, hygiene and performance rules that need only local syntax. */
export function checkStyle(ctx: JsContext): void {
  const { ts } = ctx;
  const consoleAllowed =
    /(?:^|\/)(?:bin|scripts?|cli|examples?|tools?)\/|(?:^|\/)cli\.[cm]?[jt]sx?$|\.(?:test|spec)\.[cm]?[jt]sx?$/i.test(
      ctx.path,
    );
  const loopsReported = new Set<TS.Node>();
  walk(ctx.sf, (node) => {
    if (ts.isVariableDeclarationList(node)) checkVar(ctx, node);
    else if (node.kind === ts.SyntaxKind.AnyKeyword && ctx.isTypeScript) checkAny(ctx, node);
    else if (ts.isAwaitExpression(node)) checkAwaitInLoop(ctx, node, loopsReported);
    else if (ts.isCallExpression(node)) {
      if (!consoleAllowed) checkConsole(ctx, node);
      checkSyncIo(ctx, node);
    }
  });
  checkTodoComments(ctx);
}

function checkVar(ctx: JsContext, list: TS.VariableDeclarationList): void {
  const { ts } = ctx;
  if (list.flags & ts.NodeFlags.BlockScoped) return;
  // `declare var` / `declare global { var x }` is the only way to type globals.
  for (let n: TS.Node | undefined = list; n; n = n.parent) {
    if (ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword))
      return;
  }
  if (ctx.sf.isDeclarationFile) return;
  ctx.sink.add(
    "style/no-var",
    ctx.startLine(list),
    "`var` is function-scoped and hoisted, which invites accidental sharing (e.g. in loops and closures).",
    "Use `const` (or `let` if the binding is reassigned).",
  );
}

function checkAny(ctx: JsContext, node: TS.Node): void {
  const { ts } = ctx;
  const cast = ts.isAsExpression(node.parent) || ts.isTypeAssertionExpression(node.parent);
  ctx.sink.add(
    "style/no-explicit-any",
    ctx.startLine(node),
    cast
      ? "Cast to `any` turns off type checking for this value and everything derived from it."
      : "Explicit `any` turns off type checking for this value.",
    "Use a precise type, a generic, or `unknown` with narrowing.",
  );
}

const DEBUG_CONSOLE = new Set(["log", "debug", "trace", "dir", "table", "time", "timeEnd"]);

function checkConsole(ctx: JsContext, call: TS.CallExpression): void {
  const { ts } = ctx;
  const e = call.expression;
  if (
    !ts.isPropertyAccessExpression(e) ||
    !ts.isIdentifier(e.expression) ||
    e.expression.text !== "console" ||
    !DEBUG_CONSOLE.has(e.name.text)
  )
    return;
  ctx.sink.add(
    "style/console-log",
    ctx.startLine(call),
    `\`console.${e.name.text}\` left in code; it bypasses structured logging and may leak data.`,
    "Use the project's logger with an appropriate level, or remove the debug output.",
  );
}

function isLoop(ts: typeof TS, node: TS.Node): boolean {
  return (
    ts.isForStatement(node) ||
    ts.isForInStatement(node) ||
    (ts.isForOfStatement(node) && !node.awaitModifier) ||
    ts.isWhileStatement(node) ||
    ts.isDoStatement(node)
  );
}

function checkAwaitInLoop(ctx: JsContext, node: TS.AwaitExpression, reported: Set<TS.Node>): void {
  const { ts } = ctx;
  for (let n: TS.Node | undefined = node.parent; n && !isFunctionLike(ts, n); n = n.parent) {
    if (!isLoop(ts, n)) continue;
    // `for (const x of await list())`: the iterable is evaluated once, not per iteration.
    if (
      (ts.isForOfStatement(n) || ts.isForInStatement(n)) &&
      node.pos >= n.expression.pos &&
      node.end <= n.expression.end
    )
      continue;
    if (reported.has(n)) return;
    reported.add(n);
    ctx.sink.add(
      "performance/await-in-loop",
      ctx.startLine(node),
      "`await` inside a loop runs the iterations one after another.",
      "If iterations are independent, start them together and `await Promise.all(...)` (with a concurrency limit for large inputs).",
    );
    return;
  }
}

const SYNC_IO =
  /^(?:readFileSync|writeFileSync|appendFileSync|readdirSync|statSync|lstatSync|existsSync|mkdirSync|rmSync|rmdirSync|unlinkSync|copyFileSync|renameSync|accessSync|openSync|execSync|execFileSync|spawnSync|pbkdf2Sync|scryptSync)$/;
const HANDLER_PARAMS = /^(?:req|request|res|response|reply|ctx)$/;

function checkSyncIo(ctx: JsContext, call: TS.CallExpression): void {
  const { ts } = ctx;
  const name = calleeName(ts, call);
  if (!name || !SYNC_IO.test(name)) return;
  let fn: TS.Node | undefined = call.parent;
  while (fn && !isFunctionLike(ts, fn)) fn = fn.parent;
  if (!fn) return; // top-level startup code may block
  const f = fn as TS.FunctionLikeDeclaration;
  const isAsync = (ts.getModifiers(f) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
  const isHandler = f.parameters.some((p) => ts.isIdentifier(p.name) && HANDLER_PARAMS.test(p.name.text));
  if (!isAsync && !isHandler) return;
  ctx.sink.add(
    "performance/sync-io",
    ctx.startLine(call),
    `\`${name}\` blocks the event loop inside ${isAsync ? "an async function" : "a request handler"}, stalling every concurrent request.`,
    `Use the asynchronous API (e.g. fs/promises, or the callback/promise form of ${name.replace(/Sync$/, "")}).`,
  );
}

function checkTodoComments(ctx: JsContext): void {
  for (const c of ctx.comments) {
    let offset = 0;
    for (const lineText of c.text.split("\n")) {
      const todo = todoFinding(lineText);
      if (todo) {
        ctx.sink.add("maintainability/todo-comment", ctx.line(c.pos + offset), todoMessage(todo), TODO_SUGGESTION, {
          severity: todo.marker === "TODO" ? "info" : "low",
        });
      }
      offset += lineText.length + 1;
    }
  }
}
