import assert from "node:assert/strict";
import { test } from "node:test";
import { assign } from "./assignment.js";

test("a subject always gets the same variant (sticky), and tests hash independently", () => {
  const variants = [
    { version: 1, weight: 1 },
    { version: 2, weight: 1 },
  ];
  for (let i = 0; i < 200; i++) {
    const first = assign("test-a", `user-${i}`, variants).version;
    for (let k = 0; k < 3; k++) assert.equal(assign("test-a", `user-${i}`, variants).version, first);
  }
  const differ = Array.from({ length: 200 }, (_, i) => i).filter(
    (i) => assign("test-a", `user-${i}`, variants).version !== assign("test-b", `user-${i}`, variants).version,
  );
  assert.ok(differ.length > 50, "another test id reshuffles subjects");
});

test("over many subjects the split follows the weights within tolerance", () => {
  const variants = [
    { version: 3, weight: 70 },
    { version: 4, weight: 20 },
    { version: 5, weight: 10 },
  ];
  const n = 20_000;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const v = assign("split-test", `subject-${i}`, variants).version;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  for (const v of variants) {
    const share = (counts.get(v.version) ?? 0) / n;
    // 4 standard errors of a binomial share: fails by chance about once in 16 000 runs.
    const tolerance = 4 * Math.sqrt(((v.weight / 100) * (1 - v.weight / 100)) / n);
    assert.ok(Math.abs(share - v.weight / 100) < tolerance, `version ${v.version}: ${share} vs ${v.weight / 100}`);
  }
});
