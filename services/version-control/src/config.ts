import { databaseConfig, env } from "@crm/kit";

/** Every env key the version-control part reads (besides the kit's common keys). */
export const versionControlConfig = {
  VERSION_CONTROL_HTTP_PORT: env.port(4003, "HTTP port of the version-control service"),
  VERSION_CONTROL_GRPC_PORT: env.port(5003, "gRPC port of the version-control service"),
  PROJECT_GRPC_ADDR: env.grpcAddress("host:port of the project service's gRPC server (membership checks)"),
  ...databaseConfig,
  MIGRATE_ON_START: env.bool(
    false,
    "Apply pending database migrations before serving (the all-in-one launcher sets it)",
  ),
  VERSION_CONTROL_PROJECT_TIMEOUT_MS: env.int(2000, "Deadline of a membership check with the project service", 50),
  VERSION_CONTROL_BREAKER_RESET_MS: env.int(
    5000,
    "How long the breaker around the project service stays open before a trial call",
    100,
  ),
};
