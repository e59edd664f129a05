import { findNestedQuantifier, REDOS_SUGGESTION } from "../shared/redos.js";
import { isSecretName, isSecretValue, knownSecretKind, SECRET_SUGGESTION, splitWords } from "../shared/secrets.js";
import {
  calleeName,
  isFunctionLike,
  functionName,
  isStringLike,
  skipParens,
  walk,
  type JsContext,
  type TS,
} from "./ast.js";

/**
 * Cryptography and configuration hygiene: weak hashes/ciphers, predictable
 * randomness where unpredictability matters, committed secrets, ReDoS-prone
 * regexes and disabled TLS verification.
 */
export function checkCrypto(ctx: JsContext): void {
  const { ts } = ctx;
  walk(ctx.sf, (node) => {
    if (ts.isCallExpression(node)) {
      checkHashAndCipher(ctx, node);
      checkRandom(ctx, node);
    }
    if (ts.isNewExpression(node) || ts.isCallExpression(node)) checkRegExpConstructor(ctx, node);
    if (ts.isRegularExpressionLiteral(node)) checkRegex(ctx, node, node.text.slice(1, node.text.lastIndexOf("/")));
    if (isStringLike(ts, node)) checkKnownSecret(ctx, node);
    checkSecretBinding(ctx, node);
    checkTls(ctx, node);
  });
}

const WEAK_HASH = /^(?:md2|md4|md5|sha1|sha-1|ripemd|ripemd160|rmd160)$/i;

function checkHashAndCipher(ctx: JsContext, call: TS.CallExpression): void {
  const { ts } = ctx;
  const name = calleeName(ts, call);
  const first = call.arguments[0];
  const algo = first && isStringLike(ts, first) ? first.text : undefined;
  const line = ctx.startLine(call);
  if ((name === "createHash" || name === "digest") && algo && WEAK_HASH.test(algo)) {
    ctx.sink.add(
      "security/weak-hash",
      line,
      `${algo.toUpperCase()} is cryptographically broken (practical collisions).`,
      "Use SHA-256 or better for integrity; for passwords use a slow KDF such as argon2, scrypt or bcrypt.",
    );
  } else if (name === "createCipher" || name === "createDecipher") {
    ctx.sink.add(
      "security/weak-cipher",
      line,
      `\`crypto.${name}\` derives the key with MD5 and no salt/IV and is removed from modern Node.js.`,
      "Use createCipheriv with a random IV and an AEAD mode such as aes-256-gcm.",
    );
  } else if (
    (name === "createCipheriv" || name === "createDecipheriv") &&
    algo &&
    /(?:^|-)(?:des|des3|rc2|rc4|bf|blowfish)(?:-|$)|-ecb$|^des-ede/i.test(algo)
  ) {
    ctx.sink.add(
      "security/weak-cipher",
      line,
      `Cipher "${algo}" is weak (broken algorithm or ECB mode leaks patterns).`,
      "Use aes-256-gcm (or chacha20-poly1305) with a unique random IV per message.",
    );
  }
}

const SENSITIVE_WORDS = new Set([
  "token",
  "tokens",
  "secret",
  "password",
  "passwd",
  "pwd",
  "nonce",
  "salt",
  "otp",
  "session",
  "sid",
  "id",
  "ids",
  "uid",
  "uuid",
  "guid",
  "csrf",
  "xsrf",
  "apikey",
  "auth",
  "verification",
  "invite",
  "key",
]);

function isSensitiveName(name: string): boolean {
  const words = splitWords(name);
  // "key" alone is too generic (sortKey, cacheKey); only count it when it is the whole name's tail after api/secret...
  return words.some(
    (w, i) =>
      SENSITIVE_WORDS.has(w) &&
      (w !== "key" || (i > 0 && /^(?:api|secret|private|signing|access)$/.test(words[i - 1] as string))),
  );
}

/** Name of the value a Math.random() call ends up in (variable, property, called function, or returning function). */
function sinkName(ctx: JsContext, start: TS.Node): string | undefined {
  const { ts } = ctx;
  let n: TS.Node = start;
  for (let depth = 0; depth < 12 && n.parent; depth++) {
    const p: TS.Node = n.parent;
    if (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isParameter(p))
      return p.name.getText();
    if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) return p.left.getText();
    if (ts.isReturnStatement(p) || (ts.isArrowFunction(p) && p.body === n)) {
      let fn: TS.Node | undefined = p;
      while (fn && !isFunctionLike(ts, fn)) fn = fn.parent;
      return fn ? functionName(ts, fn as TS.FunctionLikeDeclaration) : undefined;
    }
    if (ts.isCallExpression(p) && p.expression !== n) {
      const callee = calleeName(ts, p);
      if (callee && isSensitiveName(callee)) return callee;
    }
    if (ts.isStatement(p) || isFunctionLike(ts, p)) return undefined;
    n = p;
  }
  return undefined;
}

function checkRandom(ctx: JsContext, call: TS.CallExpression): void {
  if (call.expression.getText() !== "Math.random") return;
  const name = sinkName(ctx, call);
  if (!name || !isSensitiveName(name)) return;
  ctx.sink.add(
    "security/insecure-random",
    ctx.startLine(call),
    `\`Math.random()\` is predictable but is used for \`${name}\`.`,
    "Use crypto.randomUUID(), crypto.randomBytes() or crypto.getRandomValues() for identifiers, tokens and passwords.",
  );
}

function checkRegExpConstructor(ctx: JsContext, node: TS.NewExpression | TS.CallExpression): void {
  const { ts } = ctx;
  if (!ts.isIdentifier(node.expression) || node.expression.text !== "RegExp") return;
  const first = node.arguments?.[0];
  if (first && isStringLike(ts, first)) checkRegex(ctx, node, first.text);
}

function checkRegex(ctx: JsContext, node: TS.Node, pattern: string): void {
  if (findNestedQuantifier(pattern) < 0) return;
  ctx.sink.add(
    "security/regex-dos",
    ctx.startLine(node),
    `Regular expression /${pattern.length > 60 ? `${pattern.slice(0, 57)}...` : pattern}/ has nested quantifiers that can backtrack exponentially (ReDoS).`,
    REDOS_SUGGESTION,
  );
}

function checkKnownSecret(ctx: JsContext, node: TS.StringLiteral | TS.NoSubstitutionTemplateLiteral): void {
  const kind = knownSecretKind(node.text);
  if (!kind) return;
  ctx.sink.add(
    "security/hardcoded-secret",
    ctx.startLine(node),
    `String literal contains what looks like a ${kind}.`,
    SECRET_SUGGESTION,
    { severity: "critical" },
  );
}

/** `password = "..."` in declarations, properties, assignments and default parameters. */
function checkSecretBinding(ctx: JsContext, node: TS.Node): void {
  const { ts } = ctx;
  let nameNode: TS.Node | undefined;
  let value: TS.Expression | undefined;
  if (
    (ts.isVariableDeclaration(node) ||
      ts.isPropertyAssignment(node) ||
      ts.isPropertyDeclaration(node) ||
      ts.isParameter(node)) &&
    node.initializer
  ) {
    nameNode = node.name;
    value = node.initializer;
  } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    nameNode = ts.isPropertyAccessExpression(node.left) ? node.left.name : node.left;
    value = node.right;
  }
  if (!nameNode || !value) return;
  const v = skipParens(ts, value);
  if (!isStringLike(ts, v) || knownSecretKind(v.text)) return; // known formats are reported by checkKnownSecret
  const name = ts.isStringLiteral(nameNode) ? nameNode.text : nameNode.getText();
  if (!isSecretName(name) || !isSecretValue(v.text, name)) return;
  ctx.sink.add(
    "security/hardcoded-secret",
    ctx.startLine(node),
    `Hard-coded credential in \`${name}\`; anyone with repository access can read it.`,
    SECRET_SUGGESTION,
  );
}

function checkTls(ctx: JsContext, node: TS.Node): void {
  const { ts } = ctx;
  if (
    ts.isPropertyAssignment(node) &&
    node.name.getText() === "rejectUnauthorized" &&
    node.initializer.kind === ts.SyntaxKind.FalseKeyword
  ) {
    ctx.sink.add(
      "security/tls-disabled",
      ctx.startLine(node),
      "`rejectUnauthorized: false` accepts any certificate, enabling man-in-the-middle attacks.",
      "Keep certificate validation on; for private CAs pass the CA bundle via the `ca` option.",
    );
  } else if (
    ts.isBinaryExpression(node) &&
    node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    /NODE_TLS_REJECT_UNAUTHORIZED/.test(node.left.getText())
  ) {
    const v = skipParens(ts, node.right);
    if ((isStringLike(ts, v) && v.text === "0") || (ts.isNumericLiteral(v) && v.text === "0")) {
      ctx.sink.add(
        "security/tls-disabled",
        ctx.startLine(node),
        "Setting NODE_TLS_REJECT_UNAUTHORIZED=0 disables certificate validation for the whole process.",
        "Remove it; trust private CAs with NODE_EXTRA_CA_CERTS instead.",
      );
    }
  }
}
