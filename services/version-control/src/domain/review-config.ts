import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { z } from "zod";

/**
 * The review configuration a version stores. Known fields are checked strictly; other fields are
 * kept as given (the contract allows more), so a consumer may add settings without a migration.
 */
export const PLACEHOLDERS = ["code", "path", "language"] as const;
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
const severity = z.enum(SEVERITIES);
const ruleId = z.string().trim().min(1).max(200);

export const promptTemplate = z
  .string()
  .min(1)
  .max(100_000)
  .superRefine((template, ctx) => {
    const used = [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? "");
    const unknown = [...new Set(used.filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p)))];
    if (unknown.length)
      ctx.addIssue({
        code: "custom",
        message: `unknown placeholder ${unknown.map((p) => `{{${p}}}`).join(", ")}; allowed: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")}`,
      });
    if (!used.includes("code")) ctx.addIssue({ code: "custom", message: "must contain the {{code}} placeholder" });
  });

export const reviewConfig = z.looseObject({
  model: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9][\w.:/@+-]*$/, "must be a model id or a route alias (letters, digits, . _ : / @ + -)")
    .describe("A provider model id or a route alias of the AI orchestrator"),
  promptTemplate: promptTemplate.describe(
    "The review prompt; {{code}} is required, {{path}} and {{language}} optional",
  ),
  systemPrompt: z.string().max(100_000).optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  maxTokens: z.number().int().min(1).max(1_000_000).optional(),
  staticRules: z
    .union([
      z.array(ruleId).max(1000).describe("Rule ids to run (all others off)"),
      z.strictObject({
        enabled: z.boolean().optional(),
        include: z.array(ruleId).max(1000).optional(),
        exclude: z.array(ruleId).max(1000).optional(),
        minSeverity: severity.optional(),
      }),
    ])
    .optional()
    .describe("Static rule selection: a list of rule ids, or {enabled, include, exclude, minSeverity}"),
  minSeverity: severity.optional().describe("Findings below this severity are dropped"),
});

export type ReviewConfig = z.infer<typeof reviewConfig>;

/** sha256 (hex) of the RFC 8785 (JSON Canonicalization Scheme) form: equal configs, equal hashes. */
export function configHash(config: unknown): string {
  const canonical = canonicalize(config);
  if (canonical === undefined) throw new Error("config cannot be canonicalised");
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}
