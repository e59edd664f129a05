import { isSecretName, isSecretValue, knownSecretKind, SECRET_SUGGESTION } from "./shared/secrets.js";
import { todoFinding, todoMessage, TODO_SUGGESTION } from "./shared/todo.js";
import type { FindingSink } from "./sink.js";

/**
 * Language-independent checks for files we cannot parse (Go, Java, YAML,
 * shell, ...). They work line by line with conservative patterns; anything
 * needing real syntax is left to the language-specific analyzers.
 */
export const GENERIC_LIMITS = { lineLength: 160, nesting: 5 } as const;

/** Where a line comment starts in common languages (C family, shell/YAML, SQL/Lua, HTML, Lisp/asm, TeX, batch). */
const COMMENT_MARKER = /\/\/|#|\/\*|^\s*\*|--|<!--|;|^\s*%|\bREM\b/;
const ASSIGNED_STRING = /([A-Za-z_][\w.-]*)["']?\s*(?::=|=>|==?|:)\s*["'`]([^"'`\s]{4,})["'`]/g;

export function reviewGeneric(lines: readonly string[], sink: FindingSink): void {
  lines.forEach((text, i) => {
    const line = i + 1;
    if (text.length > GENERIC_LIMITS.lineLength) {
      sink.add(
        "maintainability/long-line",
        line,
        `Line is ${text.length} characters long (limit ${GENERIC_LIMITS.lineLength}).`,
        "Break the expression or string over several lines.",
      );
    }
    const marker = COMMENT_MARKER.exec(text);
    const todo = marker ? todoFinding(text.slice(marker.index + marker[0].length)) : undefined;
    if (todo) {
      sink.add("maintainability/todo-comment", line, todoMessage(todo), TODO_SUGGESTION, {
        severity: todo.marker === "TODO" ? "info" : "low",
      });
    }
    const kind = knownSecretKind(text);
    if (kind) {
      sink.add("security/hardcoded-secret", line, `Line contains what looks like a ${kind}.`, SECRET_SUGGESTION, {
        severity: "critical",
      });
      return;
    }
    for (const m of text.matchAll(ASSIGNED_STRING)) {
      const name = m[1] as string;
      const value = m[2] as string;
      if (isSecretName(name) && isSecretValue(value, name) && !/^\$|^\{\{|^%\(/.test(value)) {
        sink.add("security/hardcoded-secret", line, `Hard-coded credential in \`${name}\`.`, SECRET_SUGGESTION);
        break;
      }
    }
  });
  checkBraceNesting(lines, sink);
}

/** Brace depth with strings and C-style comments skipped; one finding per top-level block. */
function checkBraceNesting(lines: readonly string[], sink: FindingSink): void {
  let depth = 0;
  let inBlockComment = false;
  let reported = false;
  lines.forEach((raw, i) => {
    let text = raw;
    if (inBlockComment) {
      const close = text.indexOf("*/");
      if (close < 0) return;
      text = text.slice(close + 2);
      inBlockComment = false;
    }
    text = text
      .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)'/g, '""')
      .replace(/\/\*.*?\*\//g, "")
      .replace(/\/\/.*$/, "");
    const open = text.indexOf("/*");
    if (open >= 0) {
      text = text.slice(0, open);
      inBlockComment = true;
    }
    for (const c of text) {
      if (c === "{") {
        depth++;
        if (depth > GENERIC_LIMITS.nesting && !reported) {
          reported = true;
          sink.add(
            "maintainability/deep-nesting",
            i + 1,
            `Blocks are nested ${depth} levels deep (limit ${GENERIC_LIMITS.nesting}).`,
            "Use early returns and extract nested blocks into functions.",
          );
        }
      } else if (c === "}") {
        depth = Math.max(0, depth - 1);
        if (depth === 0) reported = false;
      }
    }
  });
}
