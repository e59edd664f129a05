import { z } from "zod";
import { MAX_PASSWORD_LENGTH } from "../domain/passwords.js";

/** Request bodies of the public routes; also the source of the OpenAPI document. */

const password = z.string().min(1).max(MAX_PASSWORD_LENGTH);

export const registerBody = z.object({
  email: z.email().max(254).describe("Stored and compared lower-case"),
  password: password.describe(
    "At least 12 characters and not easy to guess (common passwords, keyboard walks, repeats are rejected)",
  ),
  name: z.string().trim().min(1).max(200),
});

export const loginBody = z.object({
  email: z.string().min(1).max(254),
  password,
});

export const refreshBody = z.object({
  refreshToken: z.string().min(1).max(512),
});

export const createApiKeyBody = z.object({
  name: z.string().trim().min(1).max(100).describe("A label to tell keys apart"),
});

export const patchUserBody = z
  .object({
    role: z.enum(["admin", "member"]).optional(),
    disabled: z.boolean().optional(),
  })
  .refine((b) => b.role !== undefined || b.disabled !== undefined, { message: "set role and/or disabled" });

// --- responses (documentation only) -----------------------------------------------------------

export const userView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(["admin", "member"]),
  disabled: z.boolean(),
  createdAt: z.string().describe("ISO 8601 UTC"),
});

export const tokenPair = z.object({
  accessToken: z.string().describe("JWT (EdDSA), verify with /.well-known/jwks.json"),
  refreshToken: z.string().describe("Opaque, single use: each refresh returns a new one"),
  tokenType: z.literal("Bearer"),
  expiresIn: z.number().int().describe("Seconds until the access token expires"),
});

export const apiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

export const createdApiKey = apiKeyView.extend({ key: z.string().describe("Shown only in this response") });

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
