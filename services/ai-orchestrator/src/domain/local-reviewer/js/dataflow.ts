import { skipParens, walk, type JsContext, type TS } from "./ast.js";

/**
 * Very small, file-local "dataflow": enough to see through one variable hop
 * (`const sql = "SELECT " + id; db.query(sql)`) without a type checker.
 * Resolution is by name; a name declared more than once is treated as
 * unknown so that shadowing can never produce a confident wrong answer.
 */
interface Facts {
  initializers: Map<string, TS.Expression | null>;
  constNames: Set<string>;
  tainted: Set<string>;
}

const cache = new WeakMap<TS.SourceFile, Facts>();

const REQUEST_SOURCE = /^(?:req|request|ctx(?:\.request)?)\.(?:query|params|body|headers|cookies)\b/;
const SANITIZERS =
  /^(?:basename|normalize|sanitize\w*|escape\w*|encodeURI(?:Component)?|parseInt|Number|isSafe\w*|validate\w*)$/;

function facts(ctx: JsContext): Facts {
  const cached = cache.get(ctx.sf);
  if (cached) return cached;
  const { ts } = ctx;
  const f: Facts = { initializers: new Map(), constNames: new Set(), tainted: new Set() };
  walk(ctx.sf, (node) => {
    if (!ts.isVariableDeclaration(node)) return;
    const init = node.initializer;
    if (ts.isIdentifier(node.name)) {
      const name = node.name.text;
      f.initializers.set(name, f.initializers.has(name) ? null : (init ?? null));
      if (ts.isVariableDeclarationList(node.parent) && node.parent.flags & ts.NodeFlags.Const) f.constNames.add(name);
    }
    if (init && isRequestExpression(ctx, init)) {
      for (const id of bindingNames(ts, node.name)) f.tainted.add(id);
    }
  });
  cache.set(ctx.sf, f);
  return f;
}

export function bindingNames(ts: typeof TS, name: TS.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  const out: string[] = [];
  for (const el of name.elements) if (!ts.isOmittedExpression(el)) out.push(...bindingNames(ts, el.name));
  return out;
}

/** The unique initializer of a variable, if `expr` is an identifier declared once in the file. */
export function resolveIdentifier(ctx: JsContext, expr: TS.Expression): TS.Expression | undefined {
  const e = skipParens(ctx.ts, expr);
  if (!ctx.ts.isIdentifier(e)) return undefined;
  return facts(ctx).initializers.get(e.text) ?? undefined;
}

/** True for values fixed at author time: literals, const-only templates/concatenations, and consts bound to them. */
export function isConstantString(ctx: JsContext, expr: TS.Expression, depth = 0): boolean {
  const { ts } = ctx;
  const e = skipParens(ts, expr);
  if (depth > 5) return false;
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isNumericLiteral(e)) return true;
  if (ts.isTemplateExpression(e)) return e.templateSpans.every((s) => isConstantString(ctx, s.expression, depth + 1));
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    return isConstantString(ctx, e.left, depth + 1) && isConstantString(ctx, e.right, depth + 1);
  }
  if (ts.isIdentifier(e) && facts(ctx).constNames.has(e.text)) {
    const init = facts(ctx).initializers.get(e.text);
    return init ? isConstantString(ctx, init, depth + 1) : false;
  }
  return false;
}

/** Does the expression directly read HTTP request input (req.query.x, request.body, ...)? */
function isRequestExpression(ctx: JsContext, expr: TS.Expression): boolean {
  const { ts } = ctx;
  let found = false;
  walk(expr, (n) => {
    if (found) return false;
    if (ts.isCallExpression(n)) {
      const callee = n.expression;
      const name = ts.isIdentifier(callee)
        ? callee.text
        : ts.isPropertyAccessExpression(callee)
          ? callee.name.text
          : "";
      if (SANITIZERS.test(name)) return false; // value is cleaned before use
    }
    if ((ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) && REQUEST_SOURCE.test(n.getText()))
      found = true;
    return undefined;
  });
  return found;
}

/** Request input, directly or through a variable initialised from it. */
export function isTainted(ctx: JsContext, expr: TS.Expression): boolean {
  if (isRequestExpression(ctx, expr)) return true;
  const { ts } = ctx;
  const tainted = facts(ctx).tainted;
  let found = false;
  walk(expr, (n) => {
    if (found) return false;
    if (ts.isCallExpression(n)) {
      const callee = n.expression;
      const name = ts.isIdentifier(callee)
        ? callee.text
        : ts.isPropertyAccessExpression(callee)
          ? callee.name.text
          : "";
      if (SANITIZERS.test(name)) return false;
    }
    if (ts.isPropertyAccessExpression(n)) {
      // only the object side can carry taint: in `x.file`, `file` is a property name
      walk(n.expression, (m) => {
        if (ts.isIdentifier(m) && tainted.has(m.text)) found = true;
      });
      return false;
    }
    if (ts.isIdentifier(n) && tainted.has(n.text)) found = true;
    return undefined;
  });
  return found;
}
