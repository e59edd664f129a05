import { calleeName, skipParens, walk, type JsContext, type TS } from "./ast.js";
import { isConstantString, isTainted } from "./dataflow.js";

/**
 * Web sinks: HTML injection (XSS) in the DOM and React, and HTTP request
 * input reaching file-system paths or redirects. As with the other injection
 * rules, constant data and values passed through a sanitiser are not flagged.
 */
export function checkWeb(ctx: JsContext): void {
  const { ts } = ctx;
  walk(ctx.sf, (node) => {
    if (ts.isCallExpression(node)) {
      checkHtmlCall(ctx, node);
      checkFileAndRedirect(ctx, node);
    } else if (ts.isBinaryExpression(node)) checkHtmlAssignment(ctx, node);
    else if (ts.isJsxAttribute(node) && node.name.getText() === "dangerouslySetInnerHTML")
      checkDangerousHtml(ctx, node);
  });
}

function isSanitized(ctx: JsContext, expr: TS.Expression): boolean {
  const { ts } = ctx;
  const e = skipParens(ts, expr);
  if (!ts.isCallExpression(e)) return false;
  return /sanitiz|purify|escape|encode/i.test(e.expression.getText());
}

function checkHtmlAssignment(ctx: JsContext, node: TS.BinaryExpression): void {
  const { ts } = ctx;
  const op = node.operatorToken.kind;
  if (op !== ts.SyntaxKind.EqualsToken && op !== ts.SyntaxKind.PlusEqualsToken) return;
  const left = node.left;
  if (!ts.isPropertyAccessExpression(left) || !/^(?:innerHTML|outerHTML)$/.test(left.name.text)) return;
  if (isConstantString(ctx, node.right) || isSanitized(ctx, node.right)) return;
  ctx.sink.add(
    "security/xss",
    ctx.startLine(node),
    `Assigning dynamic content to \`${left.name.text}\` interprets it as HTML (cross-site scripting).`,
    "Use textContent for text, build elements with DOM APIs, or sanitise with DOMPurify before inserting HTML.",
  );
}

function checkHtmlCall(ctx: JsContext, call: TS.CallExpression): void {
  const { ts } = ctx;
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee)) return;
  const name = callee.name.text;
  const line = ctx.startLine(call);
  if ((name === "write" || name === "writeln") && callee.expression.getText() === "document") {
    if (call.arguments.every((a) => isConstantString(ctx, a))) return;
    ctx.sink.add(
      "security/xss",
      line,
      `\`document.${name}\` with dynamic content injects raw HTML (cross-site scripting).`,
      "Create elements with DOM APIs and set textContent instead of document.write.",
    );
  } else if (name === "insertAdjacentHTML") {
    const html = call.arguments[1];
    if (!html || isConstantString(ctx, html) || isSanitized(ctx, html)) return;
    ctx.sink.add(
      "security/xss",
      line,
      "`insertAdjacentHTML` with dynamic content interprets it as HTML (cross-site scripting).",
      "Use insertAdjacentText or sanitise the HTML (DOMPurify) first.",
    );
  }
}

function checkDangerousHtml(ctx: JsContext, attr: TS.JsxAttribute): void {
  const { ts } = ctx;
  const init = attr.initializer;
  if (init && ts.isJsxExpression(init) && init.expression && ts.isObjectLiteralExpression(init.expression)) {
    const html = init.expression.properties.find((p) => p.name?.getText() === "__html");
    if (
      html &&
      ts.isPropertyAssignment(html) &&
      (isConstantString(ctx, html.initializer) || isSanitized(ctx, html.initializer))
    )
      return;
  }
  ctx.sink.add(
    "security/xss",
    ctx.startLine(attr),
    "`dangerouslySetInnerHTML` renders unsanitised HTML (cross-site scripting).",
    "Render the content as React children, or sanitise it (DOMPurify.sanitize) right where it is passed in.",
  );
}

const FS_PATH_FUNCS =
  /^(?:readFile|readFileSync|createReadStream|writeFile|writeFileSync|createWriteStream|appendFile|appendFileSync|unlink|unlinkSync|rm|rmSync|readdir|readdirSync|sendFile|download|open|openSync)$/;

function checkFileAndRedirect(ctx: JsContext, call: TS.CallExpression): void {
  const name = calleeName(ctx.ts, call);
  const arg = call.arguments[0];
  if (!name || !arg) return;
  if (FS_PATH_FUNCS.test(name) && isTainted(ctx, arg)) {
    ctx.sink.add(
      "security/path-traversal",
      ctx.startLine(call),
      `Request input reaches \`${name}()\` as a file path; "../" sequences can escape the intended directory.`,
      "Resolve the path against a fixed base directory and reject it unless path.resolve(base, input) still starts with base (or map ids to files server-side).",
    );
  } else if (name === "redirect" && isTainted(ctx, call.arguments[call.arguments.length - 1] ?? arg)) {
    ctx.sink.add(
      "security/open-redirect",
      ctx.startLine(call),
      "Redirect target comes from request input (open redirect, useful for phishing).",
      "Only redirect to relative paths or to hosts on an allow-list.",
    );
  }
}
