import assert from "node:assert/strict";
import { test } from "node:test";
import { agreesWithDiff, parseUnifiedDiff } from "./diff.js";

const DIFF = `--- a/x.js
+++ b/x.js
@@ -1,3 +1,4 @@
 a
-b
+B
+c
 d
--- a/gone.js
+++ /dev/null
@@ -1 +0,0 @@
-x
`;

test("added lines are numbered as in the new file; deleted files are left out", () => {
  const [x, ...rest] = parseUnifiedDiff(DIFF);
  assert.equal(rest.length, 0);
  assert.equal(x!.path, "x.js");
  assert.deepEqual(x!.added, [2, 3]);
  assert.equal(x!.reconstructed, "a\nB\nc\nd");
  assert.ok(agreesWithDiff("a\nB\nc\nd\n", x!));
  assert.ok(!agreesWithDiff("a\nb\nd\n", x!), "the old side does not agree");
});

test("text that is not a diff is a 400", () => {
  assert.throws(
    () => parseUnifiedDiff("hello"),
    (err: { status?: number }) => err.status === 400,
  );
});
