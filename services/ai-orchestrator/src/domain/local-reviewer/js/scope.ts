import { isFunctionLike, walk, type JsContext, type TS } from "./ast.js";

/**
 * Lightweight scope analysis without a type checker: every binding gets the
 * AST node that bounds its visibility (function for var/params, nearest
 * block for let/const/class), and references are identifier occurrences by
 * name. A binding is unused when no reference with its name occurs inside
 * its scope. Name-based matching can only over-count uses (shadowing), so it
 * errs towards silence rather than false "unused" reports.
 */
type DeclKind = "var" | "let" | "const" | "function" | "class" | "enum" | "import" | "param" | "catch";

interface Decl {
  id: TS.Identifier;
  kind: DeclKind;
  scope: TS.Node;
  /** false for bindings whose non-use is normal (parameters, catch variables, rest-omitted keys, exports) */
  reportUnused: boolean;
}

export function checkScopes(ctx: JsContext): void {
  if (ctx.sf.isDeclarationFile) return;
  const decls = collectDeclarations(ctx);
  const refs = collectReferences(ctx);
  checkUnused(ctx, decls, refs);
  checkShadowing(ctx, decls);
}

function hasModifier(ts: typeof TS, node: TS.Node, kind: TS.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

function functionScope(ts: typeof TS, node: TS.Node): TS.Node {
  let n = node.parent;
  while (
    n &&
    !isFunctionLike(ts, n) &&
    !ts.isSourceFile(n) &&
    !ts.isModuleBlock(n) &&
    !ts.isClassStaticBlockDeclaration(n)
  )
    n = n.parent;
  return n ?? node.getSourceFile();
}

function blockScope(ts: typeof TS, node: TS.Node): TS.Node {
  let n = node.parent;
  while (
    n &&
    !ts.isBlock(n) &&
    !ts.isSourceFile(n) &&
    !ts.isModuleBlock(n) &&
    !ts.isCaseBlock(n) &&
    !isFunctionLike(ts, n)
  ) {
    if (
      (ts.isForStatement(n) || ts.isForInStatement(n) || ts.isForOfStatement(n)) &&
      n.initializer &&
      node.pos >= n.initializer.pos &&
      node.end <= n.initializer.end
    )
      break;
    n = n.parent;
  }
  return n ?? node.getSourceFile();
}

function collectDeclarations(ctx: JsContext): Decl[] {
  const { ts } = ctx;
  const decls: Decl[] = [];
  const addBinding = (name: TS.BindingName, kind: DeclKind, scope: TS.Node, report: boolean): void => {
    if (ts.isIdentifier(name)) {
      decls.push({ id: name, kind, scope, reportUnused: report });
      return;
    }
    // `const { omit, ...rest } = obj` uses `omit` only to exclude it from `rest`.
    const hasRest = ts.isObjectBindingPattern(name) && name.elements.some((e) => e.dotDotDotToken);
    for (const el of name.elements)
      if (!ts.isOmittedExpression(el)) addBinding(el.name, kind, scope, report && !hasRest);
  };
  walk(ctx.sf, (node) => {
    // Ambient declarations (`declare ...`) describe things defined elsewhere; skip the whole subtree.
    // Pruning here is O(1) per node, unlike checking every node's ancestors.
    if (hasModifier(ts, node, ts.SyntaxKind.DeclareKeyword)) return false;
    if (ts.isVariableDeclaration(node)) {
      if (ts.isCatchClause(node.parent)) {
        addBinding(node.name, "catch", node.parent, false);
        return;
      }
      const list = node.parent;
      if (!ts.isVariableDeclarationList(list)) return;
      const kind: DeclKind =
        list.flags & ts.NodeFlags.Const ? "const" : list.flags & ts.NodeFlags.BlockScoped ? "let" : "var";
      const exported = ts.isVariableStatement(list.parent) && hasModifier(ts, list.parent, ts.SyntaxKind.ExportKeyword);
      addBinding(node.name, kind, kind === "var" ? functionScope(ts, list) : blockScope(ts, list), !exported);
    } else if (
      (ts.isFunctionDeclaration(node) && node.body) ||
      ts.isClassDeclaration(node) ||
      ts.isEnumDeclaration(node)
    ) {
      if (!node.name) return;
      const exported = hasModifier(ts, node, ts.SyntaxKind.ExportKeyword);
      // Decorated classes are usually discovered by a framework (DI containers, ORMs), not referenced by name.
      const decorated = ts.isClassDeclaration(node) && (ts.getDecorators(node) ?? []).length > 0;
      const kind: DeclKind = ts.isFunctionDeclaration(node)
        ? "function"
        : ts.isClassDeclaration(node)
          ? "class"
          : "enum";
      decls.push({ id: node.name, kind, scope: blockScope(ts, node), reportUnused: !exported && !decorated });
    } else if (ts.isParameter(node) && isFunctionLike(ts, node.parent)) {
      addBinding(node.name, "param", node.parent, false);
    } else if (ts.isImportClause(node) && node.name) {
      decls.push({ id: node.name, kind: "import", scope: blockScope(ts, node), reportUnused: true });
    } else if (ts.isNamespaceImport(node) || ts.isImportSpecifier(node)) {
      decls.push({ id: node.name, kind: "import", scope: blockScope(ts, node), reportUnused: true });
    }
    return undefined;
  });
  return decls;
}

/** Identifier occurrences that read or write a binding (not property names, labels or declarations). */
function collectReferences(ctx: JsContext): Map<string, number[]> {
  const { ts } = ctx;
  const refs = new Map<string, number[]>();
  walk(ctx.sf, (node) => {
    if (!ts.isIdentifier(node)) return;
    const p = node.parent;
    const isNameOf = (n: TS.Node & { name?: TS.Node }): boolean => n.name === node;
    if (
      (ts.isPropertyAccessExpression(p) && p.name === node) ||
      (ts.isQualifiedName(p) && p.right === node) ||
      ((ts.isPropertyAssignment(p) ||
        ts.isPropertyDeclaration(p) ||
        ts.isPropertySignature(p) ||
        ts.isMethodDeclaration(p) ||
        ts.isMethodSignature(p) ||
        ts.isGetAccessorDeclaration(p) ||
        ts.isSetAccessorDeclaration(p) ||
        ts.isEnumMember(p) ||
        ts.isVariableDeclaration(p) ||
        ts.isFunctionDeclaration(p) ||
        ts.isFunctionExpression(p) ||
        ts.isClassDeclaration(p) ||
        ts.isClassExpression(p) ||
        ts.isParameter(p) ||
        ts.isBindingElement(p) ||
        ts.isImportClause(p) ||
        ts.isNamespaceImport(p) ||
        ts.isImportSpecifier(p) ||
        ts.isInterfaceDeclaration(p) ||
        ts.isTypeAliasDeclaration(p) ||
        ts.isEnumDeclaration(p) ||
        ts.isModuleDeclaration(p) ||
        ts.isTypeParameterDeclaration(p) ||
        ts.isJsxAttribute(p) ||
        ts.isMetaProperty(p)) &&
        isNameOf(p)) ||
      (ts.isBindingElement(p) && p.propertyName === node) ||
      (ts.isImportSpecifier(p) && p.propertyName === node) ||
      (ts.isExportSpecifier(p) &&
        (p.parent.parent.moduleSpecifier !== undefined || (p.propertyName !== undefined && p.name === node))) ||
      ts.isLabeledStatement(p) ||
      ts.isBreakOrContinueStatement(p)
    ) {
      return;
    }
    const list = refs.get(node.text);
    if (list) list.push(node.getStart(ctx.sf));
    else refs.set(node.text, [node.getStart(ctx.sf)]);
  });
  for (const list of refs.values()) list.sort((a, b) => a - b);
  return refs;
}

function anyBetween(sorted: number[] | undefined, start: number, end: number): boolean {
  if (!sorted) return false;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < start) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && (sorted[lo] as number) < end;
}

function checkUnused(ctx: JsContext, decls: Decl[], refs: Map<string, number[]>): void {
  const { ts } = ctx;
  const hasJsx = /<[A-Za-z>]/.test(ctx.text) && ctx.sf.languageVariant === ts.LanguageVariant.JSX;
  for (const d of decls) {
    const name = d.id.text;
    if (!d.reportUnused || name.startsWith("_")) continue;
    // In a classic script, top-level declarations are globals other scripts may use.
    if (!ctx.isModule && ts.isSourceFile(d.scope) && d.kind !== "import") continue;
    if (name === "React" && hasJsx) continue; // classic JSX runtime needs React in scope
    if (anyBetween(refs.get(name), d.scope.pos, d.scope.end)) continue;
    const what =
      d.kind === "import" ? "Import" : d.kind === "function" ? "Function" : d.kind === "class" ? "Class" : "Variable";
    ctx.sink.add(
      "maintainability/unused-variable",
      ctx.startLine(d.id),
      `${what} \`${name}\` is declared but never used.`,
      d.kind === "import"
        ? "Remove the unused import."
        : "Remove it, or prefix the name with `_` if it must stay (e.g. for a positional destructuring).",
    );
  }
}

const HOISTED: ReadonlySet<DeclKind> = new Set(["function", "var", "import", "param"]);

/**
 * For each binding, walks up its ancestors looking for a scope that declares
 * the same name: O(depth) per binding, so minified files with thousands of
 * same-named declarations stay fast.
 */
function checkShadowing(ctx: JsContext, decls: Decl[]): void {
  const byScope = new Map<TS.Node, Map<string, Decl[]>>();
  for (const d of decls) {
    let names = byScope.get(d.scope);
    if (!names) byScope.set(d.scope, (names = new Map()));
    const list = names.get(d.id.text);
    if (list) list.push(d);
    else names.set(d.id.text, [d]);
  }
  for (const inner of decls) {
    const name = inner.id.text;
    if (inner.kind === "import" || name.startsWith("_")) continue;
    let outer: Decl | undefined;
    for (let n: TS.Node | undefined = inner.scope.parent; n && !outer; n = n.parent) {
      // Hoisted kinds are visible before their position; let/const/class only after it.
      outer = byScope
        .get(n)
        ?.get(name)
        ?.find((o) => o.id.pos < inner.id.pos || HOISTED.has(o.kind));
    }
    if (!outer) continue;
    ctx.sink.add(
      "correctness/shadowed-variable",
      ctx.startLine(inner.id),
      `\`${name}\` shadows the ${outer.kind === "param" ? "parameter" : "declaration"} on line ${ctx.startLine(outer.id)}; the outer value is unreachable here and easy to confuse.`,
      "Rename the inner binding so each name refers to one value.",
    );
  }
}
