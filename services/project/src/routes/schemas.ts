import { z } from "zod";
import { ROLES } from "../domain/access.js";
import { MAX_PATH_LENGTH } from "../domain/paths.js";

/** Request and response shapes of the REST contract: validation and the OpenAPI document share them. */

export const projectCreate = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000).nullish(),
});

export const projectPatch = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(5000).nullable().optional(),
  })
  .refine((p) => p.name !== undefined || p.description !== undefined, "name or description is required");

export const role = z.enum(ROLES);

export const memberAdd = z.object({ email: z.email().max(320), role });
export const memberPatch = z.object({ role });

const fileInput = z.object({
  path: z.string().min(1).max(MAX_PATH_LENGTH),
  content: z.string(),
});

export const filesUpload = z.union([fileInput, z.object({ files: z.array(fileInput).min(1) })]);

export const filesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(2048).optional(),
  prefix: z.string().max(MAX_PATH_LENGTH).optional().describe("Only paths starting with this"),
});

export const fileQuery = z.object({
  revision: z.coerce.number().int().min(1).optional().describe("A past revision (default: the latest)"),
});

export const archiveQuery = z.object({
  strip: z.coerce
    .number()
    .int()
    .min(0)
    .max(20)
    .default(0)
    .describe("Leading path components to drop, like tar --strip-components (e.g. 1 for GitHub tarballs)"),
});

// --- responses (documentation) ---------------------------------------------------------------

const timestamps = { createdAt: z.iso.datetime(), updatedAt: z.iso.datetime() };

export const projectOut = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  ownerId: z.string(),
  role: role.describe("The caller's role"),
  ...timestamps,
});

export const memberOut = z.object({
  projectId: z.string(),
  userId: z.string(),
  email: z.string().nullable(),
  role,
  addedBy: z.string().nullable(),
  ...timestamps,
});

export const fileOut = z.object({
  id: z.string().describe("The file's id; stable across revisions"),
  path: z.string(),
  size: z.number().int().describe("UTF-8 bytes"),
  sha256: z.string(),
  language: z.string().nullable().describe("GitHub Linguist language name"),
  revision: z.number().int().describe("Latest revision number, 1 for a new file"),
  ...timestamps,
});

export const fileWithContent = fileOut.extend({ content: z.string() });

export const writeOut = z.object({
  items: z.array(fileOut),
  skipped: z
    .object({ binary: z.number().int(), vendored: z.number().int(), total: z.number().int() })
    .optional()
    .describe("Archive uploads: files skipped as binary or inside vendored directories"),
});

export const revisionOut = z.object({
  id: z.string(),
  revision: z.number().int(),
  size: z.number().int(),
  sha256: z.string(),
  language: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
