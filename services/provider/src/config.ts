import { databaseConfig, env, redisConfig } from "@crm/kit";
import { z } from "zod";

/** Every env variable the provider service reads (besides the kit's common keys). */
export const config = {
  PROVIDER_HTTP_PORT: env.port(4004, "HTTP port of the provider service"),
  PROVIDER_GRPC_PORT: env.port(5004, "gRPC port of the provider service (ProviderService)"),
  ...databaseConfig,
  ...redisConfig,
  PROVIDER_KEYS: z
    .string()
    .min(1)
    .describe("Keys that encrypt provider API keys: `id:<base64 of 32 bytes>` separated by commas (AES-256-GCM)"),
  PROVIDER_ACTIVE_KEY_ID: env.optionalString("Id in PROVIDER_KEYS that encrypts new keys (default: the first one)"),
  MIGRATE_ON_START: env.bool(false, "Apply pending database migrations before serving"),
  PROVIDER_RESERVATION_TTL_SECONDS: env.int(
    600,
    "How long an uncommitted quota reservation holds its tokens and budget before it lapses",
    10,
    86_400,
  ),
  PROVIDER_DEFAULT_OUTPUT_TOKENS: env.int(
    1024,
    "Output tokens reserved for a call that names no max_tokens",
    1,
    1_000_000,
  ),
  PROVIDER_SEED_LOCAL: env.bool(
    true,
    "Create the built-in `local` provider (model local-reviewer, free) at start when no provider is named local",
  ),
  PROVIDER_HEALTH_WINDOW_SECONDS: env.int(300, "Window of recent calls behind error rate and latency on /health", 10),
};

export type ProviderConfig = z.infer<z.ZodObject<typeof config>>;
