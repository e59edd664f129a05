import assert from "node:assert/strict";
import { test } from "node:test";
import { lexPython } from "./python/lexer.js";
import { reviewCode } from "./review.js";
import { assertRuleCase, src, type RuleCase } from "./spec-helpers.js";

const branches = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `    if x == ${i}:\n        return ${i}`)
    .join("\n")
    .split("\n");

const cases: RuleCase[] = [
  {
    rule: "security/eval",
    path: "a.py",
    bad: ["def f(expr):", "    return eval(expr)"],
    line: 2,
    good: ["import ast", "def f(expr, model):", "    model.eval()", "    return ast.literal_eval(expr)"],
  },
  {
    rule: "security/command-injection",
    name: "shell=True with f-string",
    path: "a.py",
    bad: ["import subprocess", "def run(name):", '    subprocess.run(f"ls {name}", shell=True)'],
    line: 3,
    severity: "critical",
    good: ["import subprocess", "def run(name):", '    subprocess.run(["ls", name], check=True)'],
  },
  {
    rule: "security/command-injection",
    name: "multi-line call",
    path: "a.py",
    bad: ["import subprocess", "subprocess.call(", "    cmd,", "    shell=True,", ")"],
    line: 2,
    good: ["import subprocess", "subprocess.call(", "    [cmd],", ")"],
  },
  {
    rule: "security/command-injection",
    name: "os.system",
    path: "a.py",
    bad: ["import os", "os.system('rm -rf ' + path)"],
    line: 2,
    good: ["import os", "os.system('ls')"],
  },
  {
    rule: "security/unsafe-deserialization",
    name: "pickle",
    path: "a.py",
    bad: ["import pickle", "", "obj = pickle.loads(data)"],
    line: 3,
    good: ["import json", "obj = json.loads(data)"],
  },
  {
    rule: "security/unsafe-deserialization",
    name: "yaml.load",
    path: "a.py",
    bad: ["import yaml", "cfg = yaml.load(text)"],
    line: 2,
    good: ["import yaml", "cfg = yaml.load(text, Loader=yaml.SafeLoader)", "cfg = yaml.safe_load(text)"],
  },
  {
    rule: "correctness/bare-except",
    path: "a.py",
    bad: ["try:", "    run()", "except:", "    log()"],
    line: 3,
    good: ["try:", "    run()", "except ValueError:", "    log()"],
  },
  {
    rule: "correctness/empty-catch",
    path: "a.py",
    bad: ["try:", "    run()", "except ValueError:", "    pass", "done()"],
    line: 3,
    good: ["try:", "    run()", "except ValueError as e:", "    log(e)", "    pass"],
  },
  {
    rule: "correctness/mutable-default-arg",
    path: "a.py",
    bad: ["def add(item, bucket=[]):", "    bucket.append(item)", "    return bucket"],
    line: 1,
    good: [
      "def add(item, bucket=None, n: int = 3, t=()):",
      "    bucket = [] if bucket is None else bucket",
      "    return bucket",
    ],
  },
  {
    rule: "correctness/mutable-default-arg",
    name: "multi-line signature",
    path: "a.py",
    bad: ["def f(", "    a,", "    b: dict = {},", "):", "    return b"],
    line: 3,
    good: ["def f(", "    a,", "    b: dict | None = None,", "):", "    return b"],
  },
  {
    rule: "security/hardcoded-secret",
    name: "assignment",
    path: "app/settings.py",
    bad: ["DEBUG = False", 'API_KEY = "a8f5f167f44f4964e6c998dee827110c"'],
    line: 2,
    good: [
      "import os",
      'API_KEY = os.environ["API_KEY"]',
      'PASSWORD_FIELD = "password"',
      'TOKEN_HEADER = "X-Auth-Token"',
    ],
  },
  {
    rule: "security/hardcoded-secret",
    name: "keyword argument",
    path: "a.py",
    bad: ["", 'conn = connect(host="db", password="s3cr3tP4ss")'],
    line: 2,
    good: ['conn = connect(host="db", password=os.environ["DB_PASSWORD"])'],
  },
  {
    rule: "security/sql-injection",
    name: "f-string",
    path: "a.py",
    bad: ["def get(cur, uid):", '    cur.execute(f"SELECT * FROM users WHERE id = {uid}")'],
    line: 2,
    good: ["def get(cur, uid):", '    cur.execute("SELECT * FROM users WHERE id = %s", (uid,))'],
  },
  {
    rule: "security/sql-injection",
    name: "% formatting through a variable",
    path: "a.py",
    bad: ["def get(cur, uid):", '    q = "DELETE FROM users WHERE id = %s" % uid', "    cur.execute(q)"],
    line: 3,
    good: ["def get(cur, uid):", '    q = "DELETE FROM users WHERE id = %s"', "    cur.execute(q, (uid,))"],
  },
  {
    rule: "correctness/assert-validation",
    path: "bank/account.py",
    bad: ["def withdraw(amount):", "    assert amount > 0", "    return amount"],
    line: 2,
    good: [
      "def withdraw(amount):",
      "    if amount <= 0:",
      "        raise ValueError('amount must be positive')",
      "    return amount",
    ],
  },
  {
    rule: "security/weak-hash",
    path: "a.py",
    bad: ["import hashlib", "h = hashlib.md5(data).hexdigest()"],
    line: 2,
    good: [
      "import hashlib",
      "h = hashlib.sha256(data).hexdigest()",
      "etag = hashlib.md5(data, usedforsecurity=False).hexdigest()",
    ],
  },
  {
    rule: "security/insecure-random",
    path: "a.py",
    bad: ["import random", "reset_token = ''.join(random.choices(ALPHABET, k=32))"],
    line: 2,
    good: ["import random, secrets", "reset_token = secrets.token_urlsafe(32)", "delay = random.random()"],
  },
  {
    rule: "security/tls-disabled",
    path: "a.py",
    bad: ["import requests", "r = requests.get(url, verify=False)"],
    line: 2,
    good: ["import requests", "r = requests.get(url, timeout=5)"],
  },
  {
    rule: "security/regex-dos",
    path: "a.py",
    bad: ["import re", 'PATTERN = re.compile(r"^(\\w+\\s?)*$")'],
    line: 2,
    good: ["import re", 'PATTERN = re.compile(r"^[a-z]+(\\.[a-z]+)*$")'],
  },
  {
    rule: "correctness/none-comparison",
    path: "a.py",
    bad: ["def f(x):", "    if x == None:", "        return 1"],
    line: 2,
    good: ["def f(x):", "    if x is None:", "        return 1"],
  },
  {
    rule: "correctness/debugger",
    path: "a.py",
    bad: ["def f():", "    breakpoint()"],
    line: 2,
    good: ["def f():", "    return 1"],
  },
  {
    rule: "maintainability/todo-comment",
    path: "a.py",
    bad: ["x = 1", "# FIXME: race with the worker"],
    line: 2,
    good: ['s = "# TODO inside a string"', "t = '''", "TODO: docs", "'''"],
  },
  {
    rule: "maintainability/too-many-parameters",
    path: "a.py",
    bad: ["class A:", "    def f(self, a, b, c, d, e, g):", "        return a"],
    line: 2,
    good: ["class A:", "    def f(self, a, b, c, d, *args, e=1, **kwargs):", "        return a"],
  },
  {
    rule: "maintainability/cyclomatic-complexity",
    path: "a.py",
    bad: ["def f(x):", ...branches(11), "    return -1"],
    line: 1,
    good: ["def f(x):", ...branches(4), "    return -1"],
  },
  {
    rule: "maintainability/long-function",
    path: "a.py",
    bad: [
      "def f():",
      "    total = 0",
      ...Array.from({ length: 70 }, (_, i) => `    total += ${i}`),
      "    return total",
    ],
    line: 1,
    good: [
      "def f():",
      "    total = 0",
      ...Array.from({ length: 10 }, (_, i) => `    total += ${i}`),
      "    return total",
    ],
  },
  {
    rule: "maintainability/deep-nesting",
    path: "a.py",
    bad: [
      "def f(a):",
      "    if a:",
      "        for x in a:",
      "            while x:",
      "                if x.b:",
      "                    if x.c:",
      "                        return 1",
    ],
    line: 6,
    good: [
      "def f(a):",
      "    if a:",
      "        for x in a:",
      "            while x:",
      "                if x.b:",
      "                    return 1",
    ],
  },
];

for (const c of cases) test(`python ${c.rule}${c.name ? ` (${c.name})` : ""}`, () => assertRuleCase(c));

test("python lexer: logical lines, strings and comments", () => {
  const lexed = lexPython(src("x = (1,", "     2)  # tail", "s = '''a", "b'''", "y = f'{x}' + \\", "    'z'"));
  assert.deepEqual(
    lexed.lines.map((l) => [l.line, l.endLine, l.code]),
    [
      [1, 2, "x = (1,      2)"],
      [3, 4, "s = __s0__"],
      [5, 6, "y = __s1__ +      __s2__"],
    ],
  );
  assert.equal(lexed.strings[1]?.prefix, "f");
  assert.deepEqual(lexed.comments, [{ line: 2, text: "# tail" }]);
});

test("python findings after multi-line strings keep exact line numbers", () => {
  const code = src('"""Module docstring.', "", 'eval("not here")', '"""', "import os", "", "os.system(cmd)");
  const findings = reviewCode({ path: "m.py", code });
  assert.deepEqual(
    findings.filter((f) => f.rule.startsWith("security/")).map((f) => [f.rule, f.line]),
    [["security/command-injection", 7]],
  );
});

test("python asserts in test files are not reported", () => {
  const findings = reviewCode({ path: "tests/test_bank.py", code: src("def test_x():", "    assert 1 + 1 == 2") });
  assert.equal(findings.filter((f) => f.rule === "correctness/assert-validation").length, 0);
});
