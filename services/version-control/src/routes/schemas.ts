import { z } from "zod";
import { reviewConfig } from "../domain/review-config.js";

/** Request and response shapes of the REST contract: validation and the OpenAPI document share them. */

export const experimentCreate = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000).nullish(),
  projectId: z
    .string()
    .min(1)
    .max(100)
    .nullish()
    .describe("Tie the experiment to a project: access follows its membership"),
});

export const experimentsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
  projectId: z.string().max(100).optional().describe("Only experiments of this project"),
});

export const versionCreate = z.object({
  config: reviewConfig,
  message: z.string().max(5000).nullish(),
  parentVersion: z.number().int().min(1).optional().describe("The version this one derives from (default: the latest)"),
});

export const versionNumber = z.coerce.number().int().min(1).max(2_147_483_647);

export const LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const labelName = z
  .string()
  .regex(LABEL_PATTERN, "1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");

export const labelMove = z.object({
  version: z.number().int().min(1),
  expectedVersion: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Move only if the label still points at this version (otherwise 412)"),
});

export const labelRollback = z.object({
  expectedVersion: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Roll back only if the label still points at this version"),
});

// --- responses (documentation) ---------------------------------------------------------------

export const labelOut = z.object({
  name: z.string(),
  version: z.number().int(),
  previousVersion: z.number().int().nullable().optional(),
  revision: z.number().int().describe("Move counter; also the ETag, for If-Match"),
  updatedBy: z.string(),
  updatedAt: z.iso.datetime(),
});

export const experimentOut = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  projectId: z.string().nullable(),
  createdBy: z.string(),
  latestVersion: z.number().int().describe("0 before the first version"),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  labels: z.array(labelOut).optional(),
});

export const versionOut = z.object({
  experimentId: z.string(),
  version: z.number().int(),
  configHash: z.string().describe("sha256 of the RFC 8785 canonical config"),
  parentVersion: z.number().int().nullable(),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  message: z.string().nullable(),
  config: reviewConfig,
});

export const diffOut = z.object({
  from: z.number().int(),
  to: z.number().int(),
  changes: z.array(
    z.object({
      op: z.enum(["add", "remove", "replace"]),
      path: z.string().describe("JSON pointer"),
      from: z.unknown().optional(),
      to: z.unknown().optional(),
    }),
  ),
});

export const historyOut = z.object({
  revision: z.number().int(),
  action: z.enum(["move", "rollback"]),
  version: z.number().int(),
  previousVersion: z.number().int().nullable(),
  movedBy: z.string(),
  movedAt: z.iso.datetime(),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
