import { isSecretName, isSecretValue, knownSecretKind, SECRET_SUGGESTION } from "../shared/secrets.js";
import { todoFinding, todoMessage, TODO_SUGGESTION } from "../shared/todo.js";
import type { FindingSink } from "../sink.js";
import { checkCalls, collectAssignments } from "./calls.js";
import { lexPython, lineAt, stringAt, type PyLine, type PySource } from "./lexer.js";
import { checkPythonStructure } from "./structure.js";

/** Entry point of the Python analyzer. */
export function reviewPython(path: string, code: string, sink: FindingSink): void {
  const src = lexPython(code);
  const isTest = /(?:^|\/)(?:tests?|testing)\/|(?:^|\/)(?:test_[^/]*|[^/]*_test|conftest)\.py$/.test(path);
  const assignments = collectAssignments(src);
  src.lines.forEach((l, idx) => {
    checkCalls(src, l, sink, assignments);
    checkStatements(src, l, idx, sink, isTest);
    checkSecrets(src, l, sink);
  });
  for (const s of src.strings) {
    const kind = knownSecretKind(s.value);
    if (kind)
      sink.add(
        "security/hardcoded-secret",
        s.line,
        `String literal contains what looks like a ${kind}.`,
        SECRET_SUGGESTION,
        { severity: "critical" },
      );
  }
  for (const c of src.comments) {
    const todo = todoFinding(c.text);
    if (todo)
      sink.add("maintainability/todo-comment", c.line, todoMessage(todo), TODO_SUGGESTION, {
        severity: todo.marker === "TODO" ? "info" : "low",
      });
  }
  checkPythonStructure(src, sink);
}

function checkStatements(src: PySource, l: PyLine, idx: number, sink: FindingSink, isTest: boolean): void {
  const code = l.code;
  if (/^except\s*:/.test(code)) {
    sink.add(
      "correctness/bare-except",
      l.line,
      "Bare `except:` also catches KeyboardInterrupt and SystemExit and hides bugs.",
      "Catch the specific exceptions you expect (at most `except Exception:`).",
    );
  }
  if (/^except\b/.test(code)) {
    const inline = /^except\b[^:]*:\s*(.+)$/.exec(code)?.[1];
    const next = src.lines[idx + 1];
    const after = src.lines[idx + 2];
    const onlyPass =
      inline !== undefined
        ? /^(?:pass|\.\.\.)$/.test(inline.trim())
        : next !== undefined &&
          next.indent > l.indent &&
          /^(?:pass|\.\.\.)$/.test(next.code) &&
          (after === undefined || after.indent <= l.indent);
    if (onlyPass)
      sink.add(
        "correctness/empty-catch",
        l.line,
        "Exception handler only contains `pass`, silently swallowing errors.",
        "Log the exception with context, handle it, or re-raise; use contextlib.suppress(SpecificError) if ignoring is intended.",
      );
  }
  for (const m of code.matchAll(/(?:[=!]=\s*None\b|\bNone\s*[=!]=)/g)) {
    const op = m[0].includes("!") ? "is not" : "is";
    sink.add(
      "correctness/none-comparison",
      lineAt(l, m.index ?? 0),
      "Comparison to None with ==/!= can be overridden by __eq__ and is not idiomatic.",
      `Use \`${op} None\`: identity is what you mean and cannot be customised by __eq__.`,
    );
  }
  if (/^assert\b/.test(code) && !isTest) {
    sink.add(
      "correctness/assert-validation",
      l.line,
      "`assert` statements are removed when Python runs with -O, so this check disappears in optimised deployments.",
      "Raise an explicit exception (ValueError/TypeError/PermissionError) for runtime validation.",
    );
  }
}

function checkSecrets(src: PySource, l: PyLine, sink: FindingSink): void {
  const candidates: Array<[string, string, number]> = [];
  const assign = /^([A-Za-z_][\w.]*)\s*(?::[^=]+)?=\s*(__s\d+__)\s*$/.exec(l.code);
  if (assign) candidates.push([assign[1] as string, assign[2] as string, 0]);
  for (const m of l.code.matchAll(/[(,]\s*([A-Za-z_]\w*)\s*=\s*(__s\d+__)\s*(?=[,)])/g))
    candidates.push([m[1] as string, m[2] as string, m.index ?? 0]);
  for (const m of l.code.matchAll(/(__s\d+__)\s*:\s*(__s\d+__)/g))
    candidates.push([stringAt(src, m[1] as string)?.value ?? "", m[2] as string, m.index ?? 0]);
  for (const [name, ref, offset] of candidates) {
    const s = stringAt(src, ref);
    if (!s || s.prefix.includes("f") || knownSecretKind(s.value)) continue;
    if (!isSecretName(name) || !isSecretValue(s.value, name)) continue;
    sink.add(
      "security/hardcoded-secret",
      lineAt(l, offset),
      `Hard-coded credential in \`${name}\`; anyone with repository access can read it.`,
      SECRET_SUGGESTION,
    );
  }
}
