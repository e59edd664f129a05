/** UTC periods of the tokens/day and USD/month counters. */

const pad = (n: number) => String(n).padStart(2, "0");

export function dayKey(now = new Date()): string {
  return `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`;
}

export function monthKey(now = new Date()): string {
  return `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}`;
}

/** Seconds until the next UTC midnight (at least 1). */
export function secondsToDayEnd(now = new Date()): number {
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((end - now.getTime()) / 1000));
}

/** Seconds until the first of next month, UTC (at least 1). */
export function secondsToMonthEnd(now = new Date()): number {
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return Math.max(1, Math.ceil((end - now.getTime()) / 1000));
}

/** Counter TTL: the rest of its period plus a day of grace for late commits. */
export const DAY_TTL = (now = new Date()) => secondsToDayEnd(now) + 86_400;
export const MONTH_TTL = (now = new Date()) => secondsToMonthEnd(now) + 86_400;
