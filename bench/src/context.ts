import type { LoadGenerator } from "./loadgen.js";

export interface BenchContext {
  short: boolean;
  gen: LoadGenerator;
  connections: number;
  /** Seconds of discarded load before each measured run. */
  warmupSec: number;
  /** Seconds of each measured run. */
  measureSec: number;
  /** Interleaved rounds over the rows; each row reports its median round. */
  rounds: number;
  log(message: string): void;
}

/** The run whose requests/s is the median of a row's rounds (its latencies come with it). */
export function medianBy<T>(items: T[], key: (t: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}
