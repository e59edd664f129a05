import { z } from "zod";
import { thresholdsSchema } from "../domain/review-config.js";
import { KINDS, SEVERITIES } from "../domain/types.js";

export const createAnalysisBody = z
  .strictObject({
    kinds: z.array(z.enum(KINDS)).min(1).max(2).optional(),
    experimentId: z.string().min(1).max(100).optional(),
    version: z.number().int().min(1).optional(),
    label: z.string().min(1).max(100).optional(),
    paths: z.array(z.string().min(1).max(500)).max(100).optional(),
    diff: z.string().min(1).max(5_000_000).optional(),
    thresholds: thresholdsSchema.optional(),
  })
  .refine((b) => b.version === undefined || b.label === undefined, {
    message: "give `version` or `label`, not both",
    path: ["label"],
  });

export const findingsQuery = z.object({
  severity: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(",").map((x) => x.trim()) : undefined))
    .pipe(z.array(z.enum(SEVERITIES)).optional()),
  path: z.string().min(1).max(1000).optional(),
});

export const findingCursor = z.tuple([z.string(), z.number().int(), z.string()]);
export const listCursor = z.tuple([z.string(), z.string()]);

// --- response shapes (OpenAPI only) --------------------------------------------------------------

const counts = z.record(z.string(), z.number().int());

export const analysisView = z.object({
  id: z.string(),
  projectId: z.string(),
  status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]),
  progress: z.object({ done: z.number().int(), total: z.number().int() }),
  summary: z.object({ total: z.number().int(), bySeverity: counts, byRule: counts, bySource: counts }),
  qualityGate: z
    .object({
      status: z.enum(["passed", "failed"]),
      thresholds: thresholdsSchema,
      violations: z.array(z.string()),
    })
    .nullable(),
  kinds: z.array(z.enum(KINDS)),
  experimentId: z.string().nullable(),
  version: z.number().int().nullable(),
  label: z.string().nullable(),
  configSource: z.enum(["version", "label", "default"]),
  usage: z.object({ inputTokens: z.number().int(), outputTokens: z.number().int(), costUsd: z.number() }),
  warnings: z.array(z.string()),
  error: z.string().optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  durationMs: z.number().int().optional(),
});

export const findingView = z.object({
  id: z.string(),
  path: z.string(),
  line: z.number().int(),
  endLine: z.number().int().optional(),
  severity: z.enum(SEVERITIES),
  rule: z.string(),
  category: z.string(),
  message: z.string(),
  source: z.enum(KINDS),
  suggestion: z.string().optional(),
  provenance: z.object({
    analyzer: z.string(),
    analyzerVersion: z.string().optional(),
    provider: z.string().optional(),
    model: z.string().optional(),
    experimentId: z.string().optional(),
    version: z.number().int().optional(),
    requestId: z.string().optional(),
    inputTokens: z.number().int().optional(),
    outputTokens: z.number().int().optional(),
    costUsd: z.number().optional(),
  }),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
