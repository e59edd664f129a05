import { findNestedQuantifier, REDOS_SUGGESTION } from "../shared/redos.js";
import { splitWords } from "../shared/secrets.js";
import type { FindingSink } from "../sink.js";
import { bracketContent, lineAt, splitTopLevel, STRING_REF, stringAt, type PyLine, type PySource } from "./lexer.js";

/*
 * Rules keyed on calls: every `name(` / `mod.attr(` in a logical line is
 * matched with its full (possibly multi-line) argument list, so keyword
 * arguments such as shell=True or Loader=SafeLoader are seen wherever they are.
 */

/** name → right-hand sides, for one-hop resolution of `sql = f"..."; cur.execute(sql)`. */
export function collectAssignments(src: PySource): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const l of src.lines) {
    const m = /^([A-Za-z_]\w*)\s*(?::[^=]+)?\+?=(?!=)\s*(.+)$/.exec(l.code);
    if (!m) continue;
    const list = map.get(m[1] as string) ?? [];
    list.push(m[2] as string);
    map.set(m[1] as string, list);
  }
  return map;
}

const SQL_TEXT =
  /\bselect\b[\s\S]*\bfrom\b|\binsert\s+into\b|\bupdate\b[\s\S]*\bset\b|\bdelete\s+from\b|\bwhere\b|\border\s+by\b|\b(?:drop|alter|create)\s+table\b/i;

function stringsIn(src: PySource, expr: string): string {
  return [...expr.matchAll(STRING_REF)].map((m) => src.strings[Number(m[1])]?.value ?? "").join(" ");
}

/** f-string with a replacement field, or a literal combined with %, + or .format(). */
function isDynamicString(src: PySource, expr: string): boolean {
  const e = expr.trim();
  for (const m of e.matchAll(STRING_REF)) {
    const s = src.strings[Number(m[1])];
    if (s?.prefix.includes("f") && /\{(?!\{)/.test(s.value)) return true;
  }
  return /__s\d+__\s*(?:%|\+|\.format\s*\()|\+\s*__s\d+__/.test(e);
}

function isDynamicSql(src: PySource, expr: string, assignments: Map<string, string[]>): boolean {
  const e = expr.trim();
  if (isDynamicString(src, e) && SQL_TEXT.test(stringsIn(src, e))) return true;
  const rhs = /^[A-Za-z_]\w*$/.test(e) ? assignments.get(e) : undefined;
  if (!rhs) return false;
  return rhs.some((r) => isDynamicString(src, r)) && SQL_TEXT.test(rhs.map((r) => stringsIn(src, r)).join(" "));
}

const CALL = /(?<![\w.])((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)\s*\(/g;

export function checkCalls(src: PySource, l: PyLine, sink: FindingSink, assignments: Map<string, string[]>): void {
  if (/^(?:async\s+)?def\s/.test(l.code)) return;
  for (const m of l.code.matchAll(CALL)) {
    const callee = m[1] as string;
    const open = (m.index ?? 0) + m[0].length - 1;
    const args = splitTopLevel(bracketContent(l.code, open));
    const first = args[0] ?? "";
    const line = lineAt(l, m.index ?? 0);
    const last = callee.slice(callee.lastIndexOf(".") + 1);
    const argText = args.join(", ");
    if (callee === "eval" || callee === "exec") {
      sink.add(
        "security/eval",
        line,
        `\`${callee}()\` executes arbitrary Python code.`,
        "Use ast.literal_eval for literals, json.loads for data, or an explicit dispatch table.",
      );
    } else if (
      /^subprocess\.(?:run|call|Popen|check_output|check_call)$/.test(callee) &&
      /\bshell\s*=\s*True\b/.test(argText)
    ) {
      const built = isDynamicString(src, first) || !/^__s\d+__$/.test(first);
      sink.add(
        "security/command-injection",
        line,
        `\`${callee}(..., shell=True)\` passes the command through a shell${built ? " and the command is not a constant" : ""}.`,
        'Pass an argument list without shell=True (e.g. subprocess.run(["ls", path])) and validate user-supplied parts.',
        { severity: built ? "critical" : "medium" },
      );
    } else if (
      /^(?:os\.(?:system|popen)|subprocess\.(?:getoutput|getstatusoutput)|commands\.getoutput)$/.test(callee) &&
      first &&
      !/^__s\d+__$/.test(first)
    ) {
      sink.add(
        "security/command-injection",
        line,
        `\`${callee}()\` runs a shell command built from non-constant data.`,
        "Use subprocess.run with an argument list (no shell) and validate user-supplied parts.",
        { severity: isDynamicString(src, first) ? "critical" : "high" },
      );
    } else if (
      /^(?:pickle|cPickle|_pickle|dill|marshal|shelve|jsonpickle)\.(?:loads?|Unpickler|open|decode)$/.test(callee)
    ) {
      sink.add(
        "security/unsafe-deserialization",
        line,
        `\`${callee}()\` can execute arbitrary code when given untrusted data.`,
        "Use a data-only format (json, msgpack) for untrusted input, or authenticate the payload (HMAC) before unpickling.",
      );
    } else if (
      /^yaml\.(?:load|load_all)$/.test(callee) &&
      !/\bLoader\s*=\s*(?:yaml\.)?(?:C?SafeLoader|BaseLoader)\b/.test(argText)
    ) {
      sink.add(
        "security/unsafe-deserialization",
        line,
        `\`${callee}()\` without SafeLoader can construct arbitrary Python objects.`,
        "Use yaml.safe_load(...) (or Loader=yaml.SafeLoader).",
      );
    } else if (/^yaml\.(?:unsafe_load|unsafe_load_all|full_load)$/.test(callee)) {
      sink.add(
        "security/unsafe-deserialization",
        line,
        `\`${callee}()\` can construct arbitrary Python objects from YAML.`,
        "Use yaml.safe_load(...).",
      );
    } else if (
      /^(?:execute|executemany|executescript|raw|mogrify|read_sql|read_sql_query|text)$/.test(last) &&
      (callee.includes(".") || last === "text") &&
      first &&
      isDynamicSql(src, first, assignments)
    ) {
      sink.add(
        "security/sql-injection",
        line,
        `SQL passed to \`${last}()\` is built with string formatting; attacker-controlled values can change the query.`,
        'Use parameter placeholders and pass values separately, e.g. cursor.execute("... WHERE id = %s", (user_id,)).',
      );
    } else if (/^hashlib\.(?:md5|sha1)$/.test(callee) && !/usedforsecurity\s*=\s*False/.test(argText)) {
      sink.add(
        "security/weak-hash",
        line,
        `${last.toUpperCase()} is cryptographically broken.`,
        "Use hashlib.sha256 (or better); for passwords use argon2/bcrypt/scrypt. Pass usedforsecurity=False for non-security checksums.",
      );
    } else if (
      callee === "hashlib.new" &&
      /^__s\d+__$/.test(first) &&
      /^(?:md5|sha1|md4)$/i.test(stringAt(src, first)?.value ?? "")
    ) {
      sink.add(
        "security/weak-hash",
        line,
        `${stringAt(src, first)?.value.toUpperCase()} is cryptographically broken.`,
        "Use sha256 or better.",
      );
    } else if (
      /^re\.(?:compile|match|search|fullmatch|findall|finditer|sub|subn|split)$/.test(callee) &&
      /^__s\d+__$/.test(first)
    ) {
      const pattern = stringAt(src, first)?.value ?? "";
      if (findNestedQuantifier(pattern) >= 0)
        sink.add(
          "security/regex-dos",
          line,
          `Regular expression ${JSON.stringify(pattern.length > 60 ? `${pattern.slice(0, 57)}...` : pattern)} has nested quantifiers that can backtrack exponentially (ReDoS).`,
          REDOS_SUGGESTION,
        );
    } else if (callee === "breakpoint" || /^i?pdb\.set_trace$/.test(callee)) {
      sink.add(
        "correctness/debugger",
        line,
        `\`${callee}()\` left in code stops the process waiting for a debugger.`,
        "Remove the breakpoint.",
      );
    }
  }
  if (/\bverify\s*=\s*False\b/.test(l.code)) {
    sink.add(
      "security/tls-disabled",
      lineAt(l, l.code.search(/\bverify\s*=\s*False/)),
      "`verify=False` disables TLS certificate validation (man-in-the-middle risk).",
      'Remove verify=False; for a private CA pass verify="/path/to/ca.pem".',
    );
  }
  const rnd =
    /^([A-Za-z_][\w.]*)\s*=(?!=).*\brandom\.(?:random|randint|choice|choices|randrange|getrandbits|sample)\b/.exec(
      l.code,
    );
  if (
    rnd &&
    splitWords(rnd[1] as string).some((w) =>
      /^(?:token|secret|password|passwd|pwd|nonce|salt|otp|session|key|id|uid|uuid|csrf|code|pin)$/.test(w),
    )
  ) {
    sink.add(
      "security/insecure-random",
      l.line,
      `The \`random\` module is predictable but is used for \`${rnd[1]}\`.`,
      "Use the `secrets` module (secrets.token_urlsafe(), secrets.choice()) for security-sensitive values.",
    );
  }
}
