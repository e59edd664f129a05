import assert from "node:assert/strict";
import { test } from "node:test";
import { parseFindings, renderTemplate } from "./review.js";

test("when a template names placeholders, then code, path and language are filled in", () => {
  assert.equal(
    renderTemplate("{{path}} ({{ language }}):\n{{code}} {{other}}", { code: "x()", path: "a.ts", language: "ts" }),
    "a.ts (ts):\n```ts a.ts\nx()\n``` {{other}}",
    "code outside a fence gets one",
  );
  assert.equal(
    renderTemplate("Review:\n```{{language}}\n{{code}}\n```", { code: "x()", path: "a.ts", language: "ts" }),
    "Review:\n```ts\nx()\n```",
    "code the template already fences is not fenced twice",
  );
});

test("when the answer is fenced JSON with loose fields, then findings are normalised", () => {
  const content =
    'Here you go:\n```json\n{"findings":[{"line":"3","end_line":4,"severity":"Warning","rule":"security/eval","message":"eval of input","suggestion":"parse it"},{"line":999,"severity":"critical","message":"x"}]}\n```';
  const findings = parseFindings(content, "src/a.js", 10)!;
  assert.equal(findings.length, 2);
  assert.deepEqual(findings[0], {
    path: "src/a.js",
    line: 3,
    endLine: 4,
    severity: "medium",
    rule: "security/eval",
    category: "security",
    message: "eval of input",
    suggestion: "parse it",
  });
  assert.equal(findings[1]!.line, 10, "lines are clamped to the file");
});

test("when the answer is not JSON, then it is reported unparsed", () => {
  assert.equal(parseFindings("Looks good to me!", "a.py", 3), undefined);
});
