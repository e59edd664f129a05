import assert from "node:assert/strict";
import { test } from "node:test";
import { reviewCode } from "./review.js";
import { assertRuleCase, src, type RuleCase } from "./spec-helpers.js";

const cases: RuleCase[] = [
  {
    rule: "maintainability/long-line",
    path: "main.go",
    bad: ["package main", `var s = "${"x".repeat(200)}"`],
    line: 2,
    good: ["package main", 'var s = "short"'],
  },
  {
    rule: "maintainability/todo-comment",
    path: "main.go",
    bad: ["package main", "", "// TODO(alice): handle EOF"],
    line: 3,
    good: ["package main", 'var s = "TODO"'],
  },
  {
    rule: "security/hardcoded-secret",
    name: "go assignment",
    path: "main.go",
    bad: ["package main", "func f() {", '  password := "hunter2hunter2"', "}"],
    line: 3,
    good: ["package main", "func f() {", '  password := os.Getenv("DB_PASSWORD")', "}"],
  },
  {
    rule: "security/hardcoded-secret",
    name: "yaml known token",
    path: "ci.yml",
    bad: ["env:", "  GH: ghp_abcdefghijklmnopqrstuvwxyz0123456789AB"],
    line: 2,
    good: ["env:", "  GH: ${{ secrets.GH_TOKEN }}"],
  },
  {
    rule: "maintainability/deep-nesting",
    path: "Main.java",
    bad: [
      "class A {",
      "  void f() {",
      "    if (a) {",
      "      for (;;) {",
      "        while (b) {",
      "          if (c) {",
      "            x();",
      "          }",
      "        }",
      "      }",
      "    }",
      "  }",
      "}",
    ],
    line: 6,
    good: ["class A {", "  void f() {", "    if (a) {", '      String s = "{{{{{{";', "    }", "  }", "}"],
  },
];

for (const c of cases) test(`generic ${c.rule}${c.name ? ` (${c.name})` : ""}`, () => assertRuleCase(c));

test("long files are reported once at line 1", () => {
  const code = Array.from({ length: 1005 }, (_, i) => `x${i} = ${i}`).join("\n");
  const findings = reviewCode({ path: "big.rb", code }).filter((f) => f.rule === "maintainability/long-file");
  assert.deepEqual(
    findings.map((f) => f.line),
    [1],
  );
  assert.equal(
    reviewCode({ path: "small.rb", code: src("a = 1") }).filter((f) => f.rule === "maintainability/long-file").length,
    0,
  );
});
