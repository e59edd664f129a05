import assert from "node:assert/strict";
import { test } from "node:test";
import { chunkFile, codeBudgetChars } from "./chunk.js";

test("chunks cover every line once, in order, within the budget", () => {
  const lines = Array.from({ length: 500 }, (_, i) => (i % 20 === 0 ? `function f${i}() {` : `  line ${i};`));
  const content = `${lines.join("\n")}\n`;
  const chunks = chunkFile(content, 1000);
  assert.ok(chunks.length > 1);
  let next = 1;
  for (const c of chunks) {
    assert.equal(c.startLine, next);
    assert.ok(c.code.length <= 1000);
    assert.equal(c.code, lines.slice(c.startLine - 1, c.endLine).join("\n"));
    next = c.endLine + 1;
  }
  assert.equal(next, 501);
  // Cuts prefer top-level lines: most chunks start at a function.
  assert.ok(chunks.slice(1).filter((c) => c.code.startsWith("function")).length >= chunks.length / 2);
});

test("a small file is one chunk; the budget leaves room for the answer and the prompt", () => {
  assert.deepEqual(chunkFile("a\nb\n", 100), [{ startLine: 1, endLine: 2, code: "a\nb" }]);
  assert.equal(codeBudgetChars(8192, 1024, 3000), (8192 - 1024 - 1000 - 256) * 3);
  assert.equal(codeBudgetChars(1024, 1024, 0), 400, "never below a minimum");
});
