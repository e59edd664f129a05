import { z } from "zod";

export const createComparisonBody = z
  .strictObject({
    experimentId: z.string().min(1).max(100),
    baselineVersion: z.number().int().min(1),
    candidateVersion: z.number().int().min(1),
    projectId: z.string().min(1).max(100),
    paths: z.array(z.string().min(1).max(500)).max(100).optional(),
    lineTolerance: z.number().int().min(0).max(1000).optional(),
  })
  .refine((b) => b.baselineVersion !== b.candidateVersion, {
    message: "baseline and candidate must be different versions",
    path: ["candidateVersion"],
  });

export const createAbTestBody = z
  .strictObject({
    experimentId: z.string().min(1).max(100),
    name: z.string().min(1).max(200).optional(),
    variants: z
      .array(z.strictObject({ version: z.number().int().min(1), weight: z.number().positive().max(1_000_000) }))
      .min(2)
      .max(10),
    metric: z.literal("acceptance_rate"),
    alpha: z.number().gt(0).lt(0.5).optional(),
  })
  .refine((b) => new Set(b.variants.map((v) => v.version)).size === b.variants.length, {
    message: "each version may appear once",
    path: ["variants"],
  });

export const assignmentQuery = z.object({ subject: z.string().min(1).max(200) });
export const eventBody = z.strictObject({
  subject: z.string().min(1).max(200),
  type: z.enum(["exposure", "accept", "reject"]),
});
export const stopBody = z.strictObject({ promote: z.boolean().optional() });

// --- response shapes (OpenAPI only) --------------------------------------------------------------
const counts = z.record(z.string(), z.number().int());
export const variantView = z.object({
  version: z.number().int(),
  analysisId: z.string().nullable(),
  status: z.string().optional(),
  findings: z.number().int().optional(),
  bySeverity: counts.optional(),
  durationMs: z.number().optional(),
  inputTokens: z.number().int().optional(),
  outputTokens: z.number().int().optional(),
  costUsd: z.number().optional(),
});
export const comparisonView = z.object({
  id: z.string(),
  status: z.enum(["running", "succeeded", "failed"]),
  variants: z.array(variantView),
  overlap: z
    .object({
      both: z.number().int(),
      onlyBaseline: z.number().int(),
      onlyCandidate: z.number().int(),
      jaccard: z.number(),
    })
    .nullable(),
  error: z.string().optional(),
});
export const abTestView = z.object({
  id: z.string(),
  experimentId: z.string(),
  metric: z.literal("acceptance_rate"),
  alpha: z.number(),
  variants: z.array(z.object({ version: z.number().int(), weight: z.number() })),
  status: z.enum(["running", "stopped"]),
  winnerVersion: z.number().int().nullable(),
  promoted: z.boolean(),
});
export const resultsView = z.object({
  variants: z.array(
    z.object({
      version: z.number().int(),
      exposures: z.number().int(),
      accepts: z.number().int(),
      rejects: z.number().int(),
      rate: z.number(),
      ci95: z.tuple([z.number(), z.number()]),
    }),
  ),
  pValue: z.number(),
  significant: z.boolean(),
  alpha: z.number(),
  winner: z.number().int().nullable(),
  sampleRatioMismatch: z.boolean(),
});
