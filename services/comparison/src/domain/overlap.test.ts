import assert from "node:assert/strict";
import { test } from "node:test";
import { overlap } from "./overlap.js";

const f = (path: string, line: number, rule: string, category = rule.split("/")[0]!) => ({
  path,
  line,
  rule,
  category,
});

test("findings match by path, rule or category, and lines within the tolerance", () => {
  const baseline = [
    f("a.js", 10, "eslint/no-eval", "security"), // same rule, 2 lines off → both
    f("a.js", 20, "security/eval", "security"), // same category, same line → both
    f("a.js", 40, "style/no-var", "style"), // nothing near → only baseline
    f("b.js", 5, "correctness/debugger", "correctness"), // other file has it → only baseline
  ];
  const candidate = [
    f("a.js", 12, "eslint/no-eval", "security"),
    f("a.js", 20, "security/xss", "security"),
    f("a.js", 48, "style/no-var", "style"), // 8 lines off → only candidate
    f("c.js", 5, "correctness/debugger", "correctness"),
  ];
  assert.deepEqual(overlap(baseline, candidate, 3), { both: 2, onlyBaseline: 2, onlyCandidate: 2, jaccard: 2 / 6 });
});

test("each finding is matched at most once, and the matching is maximal", () => {
  // b1 could take either candidate; a greedy pass giving it c1 would leave b2 unmatched.
  const baseline = [f("x.ts", 10, "r/one"), f("x.ts", 13, "r/one")];
  const candidate = [f("x.ts", 11, "r/one"), f("x.ts", 16, "r/one")];
  assert.equal(overlap(baseline, candidate, 3).both, 2);
  // Three identical baseline findings against one candidate: one pair, two left over.
  const three = [f("y", 1, "r/a"), f("y", 1, "r/a"), f("y", 1, "r/a")];
  assert.deepEqual(overlap(three, [f("y", 1, "r/a")], 0), {
    both: 1,
    onlyBaseline: 2,
    onlyCandidate: 0,
    jaccard: 1 / 3,
  });
});

test("identical sets have Jaccard 1, disjoint sets 0, two empty sets 1", () => {
  const set = [f("a", 1, "r/x"), f("b", 2, "r/y")];
  assert.equal(overlap(set, set, 0).jaccard, 1);
  assert.equal(overlap(set, [f("c", 1, "r/x")], 0).jaccard, 0);
  assert.deepEqual(overlap([], [], 3), { both: 0, onlyBaseline: 0, onlyCandidate: 0, jaccard: 1 });
});
