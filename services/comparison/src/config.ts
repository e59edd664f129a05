import { databaseConfig, env } from "@crm/kit";
import { z } from "zod";

/** Every env key the comparison service reads (the common ones are added by definePart). */
export const config = {
  COMPARISON_HTTP_PORT: env.port(4007, "HTTP port of the comparison service (REST, OpenAPI, ops endpoints)"),
  ...databaseConfig,
  MIGRATE_ON_START: env.bool(
    false,
    "Apply database migrations before serving (all-in-one mode; deployments run a migration step)",
  ),
  ANALYSIS_GRPC_ADDR: env.grpcAddress("host:port of the analysis service's gRPC (runs the two analyses)"),
  VERSION_CONTROL_GRPC_ADDR: env.grpcAddress("host:port of the version-control service's gRPC (versions, labels)"),
  PROJECT_GRPC_ADDR: env.grpcAddress("host:port of the project service's gRPC (access checks)"),
  COMPARISON_LINE_TOLERANCE: env.int(3, "Lines two findings may be apart and still be the same finding", 0, 1000),
  COMPARISON_TIMEOUT_MS: env.int(3_600_000, "How long a comparison waits for its two analyses", 1000),
  AB_DEFAULT_ALPHA: z.coerce
    .number()
    .gt(0)
    .lt(0.5)
    .default(0.05)
    .describe("Significance level of an A/B test that names none (two-sided)"),
  AB_SRM_ALPHA: z.coerce
    .number()
    .gt(0)
    .lt(0.5)
    .default(0.001)
    .describe("p-value below which the split counts as a sample-ratio mismatch (chi-square against the weights)"),
};
