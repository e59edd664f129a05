/**
 * Decides which analyzer handles a file. The path extension is the most
 * precise signal (it distinguishes .ts from .tsx, which parse differently),
 * then an explicit language name, and only when both are missing (e.g. a
 * snippet pasted in a chat prompt) do we sniff the code itself.
 */
export type LanguageKind = "typescript" | "tsx" | "javascript" | "jsx" | "python" | "other";

const BY_EXTENSION: Readonly<Record<string, LanguageKind>> = {
  ts: "typescript",
  mts: "typescript",
  cts: "typescript",
  tsx: "tsx",
  js: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  jsx: "jsx",
  py: "python",
  pyw: "python",
  pyi: "python",
};

const BY_NAME: Readonly<Record<string, LanguageKind>> = {
  ...BY_EXTENSION,
  typescript: "typescript",
  "typescript-react": "tsx",
  typescriptreact: "tsx",
  javascript: "javascript",
  node: "javascript",
  nodejs: "javascript",
  "javascript-react": "jsx",
  javascriptreact: "jsx",
  ecmascript: "javascript",
  python: "python",
  python3: "python",
  py3: "python",
};

export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : "";
}

export function isJsFamily(kind: LanguageKind): boolean {
  return kind === "typescript" || kind === "tsx" || kind === "javascript" || kind === "jsx";
}

export function detectLanguage(path: string, language: string | undefined, code: string): LanguageKind {
  const ext = extensionOf(path);
  const fromExt = BY_EXTENSION[ext];
  if (fromExt) return fromExt;
  const name = language?.trim().toLowerCase();
  if (name) return BY_NAME[name] ?? "other";
  // A path with an unknown extension (main.go, Dockerfile.prod) is a real language we do not parse.
  if (ext) return "other";
  return sniff(code);
}

/** Score-based guess; each signal is a construct that is rare in the other language. */
function sniff(code: string): LanguageKind {
  const count = (re: RegExp): number => code.match(re)?.length ?? 0;
  const python =
    count(/^[ \t]*(?:async[ \t]+)?def[ \t]+\w+[ \t]*\(.*\)[^{]*:[ \t]*$/gm) * 2 +
    count(/^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]+\w|import[ \t]+[\w.]+[ \t]*$)/gm) +
    count(/^[ \t]*(?:elif\b.*:|except\b.*:|class[ \t]+\w+.*:[ \t]*$)/gm) +
    count(/\bself\.\w+/g);
  const js =
    count(/\b(?:const|let|var)[ \t]+[\w${[]/g) +
    count(/\bfunction\b[\w\s]*\(/g) +
    count(/=>/g) +
    count(/\brequire\(|^[ \t]*import[ \t].*\bfrom[ \t]+['"]|^[ \t]*export[ \t]/gm) +
    count(/[;{}][ \t]*$/gm) / 4;
  if (python === 0 && js === 0) return "other";
  if (python > js) return "python";
  const typed =
    /:\s*(?:string|number|boolean|unknown|any|void|never)\b|\binterface\s+\w+\s*\{|\btype\s+\w+\s*=|\bas\s+const\b/.test(
      code,
    );
  const jsx = /<\/[A-Za-z][\w.]*>|<[A-Za-z][\w.]*(?:\s+[\w-]+=\{?[^>]*)?\s*\/>/.test(code);
  if (typed) return jsx ? "tsx" : "typescript";
  return jsx ? "jsx" : "javascript";
}
