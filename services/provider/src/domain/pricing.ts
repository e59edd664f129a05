import type { ModelEntry } from "../data/providers.js";

/** USD for a call, from the catalog's prices per 1K tokens. */
export function priceOf(
  model: Pick<ModelEntry, "inputCostPer1k" | "outputCostPer1k">,
  input: number,
  output: number,
): number {
  const usd = (input / 1000) * model.inputCostPer1k + (output / 1000) * model.outputCostPer1k;
  return Math.round(usd * 1e6) / 1e6;
}

export const toMicros = (usd: number) => Math.ceil(usd * 1e6 - 1e-9);
