import jStat from "jstat";

/**
 * The statistics of an A/B test, on jStat's distributions (normal and chi-square CDFs):
 * Wilson score intervals, the pooled two-proportion z-test and a chi-square goodness-of-fit test
 * for sample-ratio mismatch. Checked in tests against published values.
 */

/** Wilson score interval for x successes in n trials (Wilson 1927; Newcombe 1998, method 3). */
export function wilson(x: number, n: number, confidence = 0.95): [number, number] {
  if (n === 0) return [0, 1];
  const z = jStat.normal.inv(1 - (1 - confidence) / 2, 0, 1);
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export interface ZTest {
  z: number;
  pValue: number;
}

/** Two-sided pooled two-proportion z-test of x1/n1 against x2/n2 (no continuity correction). */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): ZTest {
  if (n1 === 0 || n2 === 0) return { z: 0, pValue: 1 };
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { z: 0, pValue: 1 };
  const z = (x1 / n1 - x2 / n2) / se;
  return { z, pValue: Math.min(1, 2 * (1 - jStat.normal.cdf(Math.abs(z), 0, 1))) };
}

export interface ChiSquare {
  statistic: number;
  df: number;
  pValue: number;
}

/** Chi-square goodness of fit of observed counts against expected proportions (weights). */
export function chiSquareGoodnessOfFit(observed: number[], weights: number[]): ChiSquare {
  const total = observed.reduce((a, b) => a + b, 0);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const df = observed.length - 1;
  if (total === 0 || df < 1) return { statistic: 0, df: Math.max(df, 0), pValue: 1 };
  let statistic = 0;
  observed.forEach((o, i) => {
    const expected = (total * weights[i]!) / weightSum;
    statistic += ((o - expected) * (o - expected)) / expected;
  });
  return { statistic, df, pValue: 1 - jStat.chisquare.cdf(statistic, df) };
}
