import { databaseConfig, env, redisConfig } from "@crm/kit";
import { z } from "zod";

/** Every env variable the AI orchestrator reads (besides the kit's common keys). */
export const config = {
  ORCHESTRATOR_HTTP_PORT: env.port(4005, "HTTP port of the AI orchestrator (OpenAI-compatible API)"),
  ORCHESTRATOR_GRPC_PORT: env.port(5005, "gRPC port of the AI orchestrator (OrchestratorService)"),
  PROVIDER_GRPC_ADDR: env.grpcAddress("host:port of the provider service's gRPC server"),
  ...databaseConfig,
  ...redisConfig,
  MIGRATE_ON_START: env.bool(false, "Apply pending database migrations before serving"),
  ORCHESTRATOR_REQUEST_TIMEOUT_MS: env.int(
    120_000,
    "Deadline of one HTTP request, every retry and fallback included",
    100,
  ),
  ORCHESTRATOR_ATTEMPT_TIMEOUT_MS: env.int(
    30_000,
    "Timeout of one call to a model (until its first byte when streaming), unless the route sets timeoutMs",
    50,
  ),
  ORCHESTRATOR_RETRIES: env.int(
    1,
    "Retries of one target on a retryable failure, unless the route sets retries",
    0,
    10,
  ),
  ORCHESTRATOR_RETRY_BASE_MS: env.int(200, "First retry backoff; doubles per retry, with full jitter", 1),
  ORCHESTRATOR_RETRY_MAX_MS: env.int(10_000, "Longest wait before a retry (backoff or Retry-After)", 1),
  ORCHESTRATOR_CACHE_TTL_SECONDS: env.int(
    3600,
    "Response cache TTL for model ids named directly (routes set their own; 0 disables)",
    0,
  ),
  ORCHESTRATOR_BREAKER_ERROR_PERCENT: env.int(50, "Failure percentage that opens a provider/model breaker", 1, 100),
  ORCHESTRATOR_BREAKER_VOLUME: env.int(5, "Calls in the window before a breaker may open", 1),
  ORCHESTRATOR_BREAKER_RESET_MS: env.int(10_000, "How long a breaker stays open before a trial call", 10),
  ORCHESTRATOR_BREAKER_WINDOW_MS: env.int(30_000, "Rolling window of a breaker's statistics", 100),
  ORCHESTRATOR_HEALTH_REPORT_MS: env.int(5000, "How often breaker states are reported to the provider service", 50),
  ORCHESTRATOR_DEFAULT_REVIEW_MODEL: env.stringDefault(
    "local-reviewer",
    "Model or alias ReviewCode uses when the review config names none",
  ),
  ORCHESTRATOR_REDACT_SECRETS: env.bool(true, "Redact secrets from prompts before they leave for external providers"),
  ORCHESTRATOR_BODY_LIMIT: env.stringDefault("4mb", "Largest accepted JSON request body"),
};

export type OrchestratorConfig = z.infer<z.ZodObject<typeof config>>;
