import assert from "node:assert/strict";
import { test } from "node:test";
import { chiSquareGoodnessOfFit, twoProportionZTest, wilson } from "./stats.js";

const close = (actual: number, expected: number, digits: number) =>
  assert.ok(Math.abs(actual - expected) < 0.5 * 10 ** -digits, `${actual} is not ${expected} to ${digits} digits`);

test("Wilson 95% intervals equal Newcombe (1998, Table I, method 3)", () => {
  // Newcombe RG. Two-sided confidence intervals for the single proportion. Stat Med 1998;17:857-872.
  const table: [number, number, number, number][] = [
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0.0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ];
  for (const [x, n, lo, hi] of table) {
    const [l, h] = wilson(x, n);
    close(l, lo, 4);
    close(h, hi, 4);
  }
});

test("the two-proportion z-test equals the textbook values", () => {
  // 60/100 vs 40/100: z = 0.2 / sqrt(0.5·0.5·(2/100)) = 2√2; p = P(χ²₁ > 8) = 0.004677735 (R: prop.test(correct = FALSE)).
  const r = twoProportionZTest(60, 100, 40, 100);
  close(r.z, 2 * Math.SQRT2, 9);
  close(r.pValue, 0.004677735, 9);
  // z = 1.959964 is the two-sided 5% critical value.
  const { pValue } = twoProportionZTest(0, 1, 0, 1);
  assert.equal(pValue, 1);
});

test("chi-square goodness of fit equals the table values", () => {
  // 5100 vs 4900 against 50/50: χ² = 4, df 1, p = 0.0455003 (the 95% critical value is 3.841459).
  const r = chiSquareGoodnessOfFit([5100, 4900], [1, 1]);
  close(r.statistic, 4, 12);
  assert.equal(r.df, 1);
  close(r.pValue, 0.0455003, 7);
  // Critical values from the χ² table: p = 0.05 at 3.841459 (df 1) and 5.991465 (df 2); 0.001 at 13.815511 (df 2).
  close(
    chiSquareGoodnessOfFit([1000 + Math.sqrt(3.841459 * 500), 1000 - Math.sqrt(3.841459 * 500)], [1, 1]).pValue,
    0.05,
    6,
  );
  assert.equal(chiSquareGoodnessOfFit([100, 100, 100], [1, 1, 1]).pValue, 1);
  // Unequal weights: 700/300 observed against 70/30 expected fits perfectly.
  assert.equal(chiSquareGoodnessOfFit([700, 300], [7, 3]).statistic, 0);
});
