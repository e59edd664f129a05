import assert from "node:assert/strict";
import { it } from "node:test";
import { normalizePath } from "./paths.js";

it("normalises safe relative paths and refuses any that could escape the project", () => {
  assert.deepEqual(normalizePath("./a//b/./c.ts"), { path: "a/b/c.ts" });
  assert.deepEqual(normalizePath("a..b/..c"), { path: "a..b/..c" });
  for (const bad of ["", "/abs", "\\\\server\\x", "C:/x", "a\\b", "../x", "a/../../x", "a/..", ".", "a\nb"])
    assert.ok("error" in normalizePath(bad), JSON.stringify(bad));
});
