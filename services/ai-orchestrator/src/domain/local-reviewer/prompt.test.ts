import assert from "node:assert/strict";
import { test } from "node:test";
import { diffToSource } from "./diff.js";
import { extractCodeFromPrompt } from "./prompt.js";
import { src } from "./spec-helpers.js";

const user = (content: string) => ({ role: "user", content });

test("fenced block with a Path: line", () => {
  const input = extractCodeFromPrompt([
    { role: "system", content: "You are a code reviewer. Answer in JSON." },
    user(src("Please review this change.", "Path: src/app/server.ts", "", "```ts", "const a: any = 1;", "```")),
  ]);
  assert.deepEqual(input, { path: "src/app/server.ts", code: "const a: any = 1;", language: "ts" });
});

test("path and language from the fence info string", () => {
  const cases: Array<[string, { path: string; language?: string }]> = [
    ["```typescript src/x.ts", { path: "src/x.ts", language: "typescript" }],
    ["```python:app/main.py", { path: "app/main.py", language: "python" }],
    ['```tsx title="src/App.tsx"', { path: "src/App.tsx", language: "tsx" }],
    ["```lib/util.js", { path: "lib/util.js" }],
  ];
  for (const [fence, expected] of cases) {
    const input = extractCodeFromPrompt([user(src("Review:", fence, "x = 1", "```"))]);
    assert.deepEqual(input, { code: "x = 1", ...expected }, fence);
  }
});

test("markdown-styled File: line, tilde fences, and no language", () => {
  const input = extractCodeFromPrompt([user(src("**File:** `pkg/db.py`", "~~~", "import os", "~~~"))]);
  assert.deepEqual(input, { path: "pkg/db.py", code: "import os" });
});

test("prefers code over a JSON answer template and the user's message over others", () => {
  const input = extractCodeFromPrompt([
    {
      role: "system",
      content: src(
        "Respond with:",
        "```json",
        '{"findings": [{"line": 1, "severity": "low", "message": "..."}]}',
        "```",
      ),
    },
    { role: "assistant", content: src("```js", "old()", "```") },
    user(
      src(
        "```js",
        "eval(x)",
        "```",
        "Format:",
        "```json",
        '{"findings": [{"line": 1, "severity": "low", "message": "a long example"}]}',
        "```",
      ),
    ),
  ]);
  assert.equal(input?.code, "eval(x)");
  assert.equal(input?.language, "js");
});

test("unclosed fence (truncated prompt) still yields the code", () => {
  assert.equal(
    extractCodeFromPrompt([user(src("```go", "func main() {", "  os.Exit(1)"))])?.code,
    "func main() {\n  os.Exit(1)",
  );
});

test("unified diff: new-side lines keep their real line numbers", () => {
  const diff = src(
    "diff --git a/src/a.js b/src/a.js",
    "--- a/src/a.js",
    "+++ b/src/a.js",
    "@@ -10,3 +10,4 @@ function f() {",
    " const a = 1;",
    "-old();",
    "+eval(input);",
    "+next();",
    " return a;",
  );
  const input = extractCodeFromPrompt([user(src("Review this diff:", "```diff", diff, "```"))]);
  assert.equal(input?.path, "src/a.js");
  const lines = (input?.code ?? "").split("\n");
  assert.equal(lines[10], "eval(input);", "line 11 of the new file");
  assert.equal(lines[9], "const a = 1;");
  assert.equal(lines.length, 13);
  assert.deepEqual(extractCodeFromPrompt([user(src("Review:", diff))]), input, "unfenced diffs work too");
});

test("only the first file of a multi-file diff is used", () => {
  const out = diffToSource(
    src(
      "diff --git a/x.py b/x.py",
      "+++ b/x.py",
      "@@ -0,0 +1,1 @@",
      "+a = 1",
      "diff --git a/y.py b/y.py",
      "+++ b/y.py",
      "@@ -0,0 +1 @@",
      "+b = 2",
    ),
  );
  assert.deepEqual(out, { path: "x.py", code: "a = 1" });
});

test("no code → null", () => {
  assert.equal(extractCodeFromPrompt([user("What can you do?")]), null);
  assert.equal(extractCodeFromPrompt([]), null);
});
