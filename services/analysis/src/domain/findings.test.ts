import assert from "node:assert/strict";
import { test } from "node:test";
import { dedupeAgainstStatic, fingerprint, touchesChangedLines, withinFile } from "./findings.js";
import type { FindingDraft } from "./types.js";

const f = (over: Partial<FindingDraft>): FindingDraft => ({
  path: "a.js",
  line: 1,
  severity: "low",
  rule: "r",
  category: "c",
  message: "m",
  source: "static",
  analyzer: "eslint",
  ...over,
});

test("an AI finding on the concept and near the line of a static one is dropped", () => {
  const statics = [f({ line: 10, rule: "eslint/no-eval", concept: "eval" })];
  const ai = [
    f({ source: "ai", line: 11, rule: "security/eval", concept: "eval" }),
    f({ source: "ai", line: 30, rule: "security/eval", concept: "eval" }),
    f({ source: "ai", line: 10, rule: "security/weak-hash", concept: "weak-hash" }),
  ];
  const { kept, dropped } = dedupeAgainstStatic(ai, statics);
  assert.equal(dropped, 1);
  assert.deepEqual(
    kept.map((k) => k.line),
    [30, 10],
  );
});

test("fingerprints are stable and tell findings apart", () => {
  assert.equal(fingerprint(f({})), fingerprint(f({})));
  assert.notEqual(fingerprint(f({})), fingerprint(f({ line: 2 })));
  assert.notEqual(fingerprint(f({})), fingerprint(f({ source: "ai" })));
});

test("lines outside the file are dropped and end lines clamped; changed-line filter uses the span", () => {
  const { valid, invalid } = withinFile(
    [f({ line: 0 }), f({ line: 5 }), f({ line: 3, endLine: 9 }), f({ line: 4, endLine: 4 })],
    4,
  );
  assert.equal(invalid, 2);
  assert.deepEqual(
    valid.map((v) => [v.line, v.endLine]),
    [
      [3, 4],
      [4, undefined],
    ],
  );
  assert.ok(touchesChangedLines(f({ line: 2, endLine: 6 }), new Set([5])));
  assert.ok(!touchesChangedLines(f({ line: 2 }), new Set([5])));
});
