import { databaseConfig, env } from "@crm/kit";

/** Every env key the analysis service reads (the common ones are added by definePart). */
export const config = {
  ANALYSIS_HTTP_PORT: env.port(4006, "HTTP port of the analysis service (REST, SSE, OpenAPI, ops endpoints)"),
  ANALYSIS_GRPC_PORT: env.port(5006, "gRPC port of crm.analysis.v1.AnalysisService"),
  ...databaseConfig,
  MIGRATE_ON_START: env.bool(
    false,
    "Apply database migrations before serving (all-in-one mode; deployments run a migration step)",
  ),
  PROJECT_GRPC_ADDR: env.grpcAddress("host:port of the project service's gRPC (access checks, files)"),
  VERSION_CONTROL_GRPC_ADDR: env.grpcAddress("host:port of the version-control service's gRPC (review configs)"),
  ORCHESTRATOR_GRPC_ADDR: env.grpcAddress("host:port of the ai-orchestrator's gRPC (AI review)"),
  ANALYSIS_CONCURRENCY: env.int(2, "Analysis jobs this instance runs at the same time", 1, 64),
  ANALYSIS_QUEUE_SCHEMA: env.stringDefault("analysis_queue", "Postgres schema of the pg-boss job queue"),
  ANALYSIS_POLL_INTERVAL_MS: env.int(2000, "How often idle workers look for queued jobs (ms)", 500, 60_000),
  ANALYSIS_LEASE_SECONDS: env.int(
    30,
    "A running job whose worker sent no heartbeat for this long is handed to a new worker",
    2,
    3600,
  ),
  ANALYSIS_JOB_RETRIES: env.int(3, "Times a job failing on a transient error (a peer down) is retried", 0, 20),
  ANALYSIS_MAX_FILES: env.int(5000, "Most files one analysis may review", 1, 100_000),
  ANALYSIS_MAX_FILE_BYTES: env.int(
    1_048_576,
    "Files larger than this are skipped (recorded as a warning)",
    1024,
    50_000_000,
  ),
  ANALYSIS_DEFAULT_MODEL: env.optionalString(
    "Model (route alias or model id) of AI review when no version or label gives one; unset: the orchestrator's default",
  ),
  ANALYSIS_DEFAULT_CONTEXT_WINDOW: env.int(
    8192,
    "Context window (tokens) assumed for a model whose config does not state one",
    1024,
    10_000_000,
  ),
  ANALYSIS_AI_TIMEOUT_MS: env.int(60_000, "Deadline of one ReviewCode call (ms)", 1000, 600_000),
  ANALYSIS_BODY_LIMIT: env.stringDefault("5mb", "Largest request body (a diff travels in it)"),
};
