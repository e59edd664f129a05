import { z } from "zod";

/** Request and response shapes of the orchestrator's REST routes (validation and OpenAPI). */

const part = z.looseObject({ type: z.string() });

export const chatMessage = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([z.string(), z.array(part), z.null()]).optional(),
  name: z.string().max(200).optional(),
});

/** OpenAI's request; fields not listed pass through to OpenAI-style targets unchanged. */
export const chatRequest = z.looseObject({
  model: z.string().min(1).max(200),
  messages: z.array(chatMessage).min(1).max(2000),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  max_tokens: z.number().int().min(1).max(1_000_000).nullable().optional(),
  max_completion_tokens: z.number().int().min(1).max(1_000_000).nullable().optional(),
  n: z.literal(1, { error: "only n=1 is supported" }).nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(4)])
    .nullable()
    .optional(),
  response_format: z.looseObject({ type: z.string() }).nullable().optional(),
  user: z.string().max(256).optional(),
});

export const chatResponse = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number(),
      message: z.object({ role: z.literal("assistant"), content: z.string().nullable() }),
      finish_reason: z.string().nullable(),
    }),
  ),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() }).optional(),
});

export const modelList = z.object({
  object: z.literal("list"),
  data: z.array(z.object({ id: z.string(), object: z.literal("model"), created: z.number(), owned_by: z.string() })),
});

export const aliasParams = z.object({
  alias: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, "letters, digits, '.', '_', ':' and '-', up to 100 characters"),
});

export const routeTarget = z.strictObject({
  providerId: z.uuid(),
  model: z.string().min(1).max(200),
  weight: z.number().positive().max(1_000_000).optional(),
});

export const putRouteBody = z.strictObject({
  strategy: z.enum(["priority", "weighted", "cheapest", "fastest"]),
  targets: z.array(routeTarget).min(1).max(20),
  /** A cheaper target tried when every target is over budget or unavailable. */
  fallback: routeTarget.omit({ weight: true }).nullable().optional(),
  timeoutMs: z.number().int().min(50).max(600_000).nullable().optional(),
  retries: z.number().int().min(0).max(10).nullable().optional(),
  cacheTtlSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .nullable()
    .optional(),
});
export type PutRouteInput = z.infer<typeof putRouteBody>;

export const routeView = putRouteBody.extend({
  alias: z.string(),
  fallback: routeTarget.omit({ weight: true }).nullable(),
  timeoutMs: z.number().nullable(),
  retries: z.number().nullable(),
  cacheTtlSeconds: z.number().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
