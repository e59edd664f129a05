import { z } from "zod";
import { badRequest } from "@crm/kit";
import { SEVERITIES } from "./types.js";

/** Quality-gate thresholds: the most findings at that severity or above that still pass. */
export const thresholdsSchema = z.strictObject({
  maxCritical: z.number().int().min(0).optional(),
  maxHigh: z.number().int().min(0).optional(),
  maxMedium: z.number().int().min(0).optional(),
  maxTotal: z.number().int().min(0).optional(),
});
export type Thresholds = z.infer<typeof thresholdsSchema>;

/** The platform's gate when neither request nor config sets one: no critical finding. */
export const DEFAULT_THRESHOLDS: Thresholds = { maxCritical: 0 };

/**
 * The part of an experiment version's config this service uses (see version-control's README);
 * other keys are kept as they are. `staticRules` selects static rules, `aiRules` is passed to the
 * model as its rule allow-list, `contextWindow` sizes the chunks, `qualityGate` sets thresholds.
 */
const severity = z.enum(SEVERITIES);
const ruleList = z.array(z.string().min(1).max(200)).max(1000);

export const reviewConfigSchema = z.looseObject({
  model: z.string().max(200).optional(),
  promptTemplate: z.string().max(100_000).optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().max(1_000_000).optional(),
  /** A list of rule patterns, or {enabled, include, exclude, minSeverity} (version-control's forms). */
  staticRules: z
    .union([
      ruleList,
      z.looseObject({
        enabled: z.boolean().optional(),
        include: ruleList.optional(),
        exclude: ruleList.optional(),
        minSeverity: severity.optional(),
      }),
    ])
    .optional(),
  /** Findings below this severity (static and AI) are dropped. */
  minSeverity: severity.optional(),
  aiRules: z.array(z.string().min(1).max(200)).max(500).optional(),
  contextWindow: z.number().int().min(1024).max(10_000_000).optional(),
  qualityGate: thresholdsSchema.optional(),
});
export type ReviewConfig = z.infer<typeof reviewConfigSchema>;

export interface StaticSelection {
  enabled: boolean;
  /** Patterns for selectRules ("!x" excludes). */
  patterns: string[];
  minSeverity?: (typeof SEVERITIES)[number];
}

/** The static part of a config in one shape, whichever form `staticRules` took. */
export function staticSelection(config: ReviewConfig): StaticSelection {
  const rules = config.staticRules;
  if (rules === undefined) return { enabled: true, patterns: [] };
  if (Array.isArray(rules)) return { enabled: true, patterns: rules };
  return {
    enabled: rules.enabled ?? true,
    patterns: [...(rules.include ?? []), ...(rules.exclude ?? []).map((r) => `!${r}`)],
    ...(rules.minSeverity ? { minSeverity: rules.minSeverity } : {}),
  };
}

export function parseVersionConfig(json: string, where: string): ReviewConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(json || "{}");
  } catch {
    throw badRequest(`The config of ${where} is not JSON`);
  }
  const result = reviewConfigSchema.safeParse(raw);
  if (!result.success)
    throw badRequest(
      `The config of ${where} cannot drive an analysis`,
      result.error.issues.map((i) => ({ path: ["config", ...i.path.map(String)].join("."), message: i.message })),
    );
  return result.data;
}

export interface GateResult {
  status: "passed" | "failed";
  thresholds: Thresholds;
  violations: string[];
}

/** Counts at or above each severity, then each threshold. */
export function evaluateGate(bySeverity: Record<string, number>, thresholds: Thresholds): GateResult {
  const atLeast = (severity: (typeof SEVERITIES)[number]) =>
    SEVERITIES.slice(SEVERITIES.indexOf(severity)).reduce((n, s) => n + (bySeverity[s] ?? 0), 0);
  const checks: [keyof Thresholds, number, string][] = [
    ["maxCritical", atLeast("critical"), "critical"],
    ["maxHigh", atLeast("high"), "high or critical"],
    ["maxMedium", atLeast("medium"), "medium or above"],
    ["maxTotal", atLeast("info"), "in total"],
  ];
  const violations = checks
    .filter(([key, count]) => thresholds[key] !== undefined && count > thresholds[key]!)
    .map(([key, count, what]) => `${count} findings ${what} (at most ${thresholds[key]} allowed)`);
  return { status: violations.length ? "failed" : "passed", thresholds, violations };
}
