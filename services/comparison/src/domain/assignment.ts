import { createHash } from "node:crypto";

export interface Variant {
  version: number;
  weight: number;
}

/**
 * Deterministic, sticky assignment: sha256(testId ":" subject) read as a number in [0, 1) picks
 * a bucket of the cumulative weights. The same subject always lands in the same variant (no
 * state needed), and over many subjects the split follows the weights.
 */
export function bucketOf(testId: string, subject: string): number {
  const digest = createHash("sha256").update(`${testId}:${subject}`).digest();
  // 52 bits: exactly representable as a double, uniform in [0, 1).
  return Number(digest.readBigUInt64BE(0) >> 12n) / 2 ** 52;
}

export function assign(testId: string, subject: string, variants: Variant[]): Variant {
  const total = variants.reduce((a, v) => a + v.weight, 0);
  const point = bucketOf(testId, subject) * total;
  let edge = 0;
  for (const v of variants) {
    edge += v.weight;
    if (point < edge) return v;
  }
  return variants[variants.length - 1]!;
}
