import { databaseConfig, env } from "@crm/kit";

const MiB = 1024 * 1024;

/** Every env key the project part reads (besides the kit's common keys). */
export const projectConfig = {
  PROJECT_HTTP_PORT: env.port(4002, "HTTP port of the project service"),
  PROJECT_GRPC_PORT: env.port(5002, "gRPC port of the project service"),
  AUTH_GRPC_ADDR: env.grpcAddress("host:port of the auth service's gRPC server (member lookup by e-mail)"),
  ...databaseConfig,
  MIGRATE_ON_START: env.bool(
    false,
    "Apply pending database migrations before serving (the all-in-one launcher sets it)",
  ),
  PROJECT_FILE_MAX_BYTES: env.int(1 * MiB, "Largest single file (UTF-8 bytes) accepted by upload or archive", 1),
  PROJECT_REQUEST_MAX_FILES: env.int(5000, "Most files one request (batch or archive) may write", 1),
  PROJECT_REQUEST_MAX_BYTES: env.int(
    50 * MiB,
    "Most content bytes one request may write (JSON bodies may be up to twice this, for escaping)",
    1,
  ),
  PROJECT_MAX_FILES: env.int(20000, "Most files (distinct paths) a project may hold", 1),
  PROJECT_MAX_BYTES: env.int(500 * MiB, "Most bytes the latest revisions of a project's files may add up to", 1),
  ARCHIVE_MAX_BYTES: env.int(50 * MiB, "Largest compressed archive upload (request body)", 1),
  ARCHIVE_MAX_ENTRIES: env.int(50000, "Most tar entries (files, directories, skipped ones included) in an archive", 1),
  ARCHIVE_MAX_UNPACKED_BYTES: env.int(200 * MiB, "Most bytes an archive may decompress to", 1),
  ARCHIVE_MAX_RATIO: env.int(100, "Highest decompressed:compressed ratio before an archive counts as a bomb", 2),
  ARCHIVE_SKIP_DIRS: env.list(
    [
      "node_modules",
      ".git",
      ".hg",
      ".svn",
      "dist",
      "build",
      "out",
      "vendor",
      "bower_components",
      "jspm_packages",
      "__pycache__",
      ".venv",
      "venv",
      ".tox",
      ".mypy_cache",
      ".pytest_cache",
      ".gradle",
      ".next",
      ".nuxt",
      ".turbo",
      ".cache",
      "coverage",
      "target",
      "Pods",
    ],
    "Directory names whose contents an archive upload skips (vendored or generated code)",
  ),
  PROJECT_AUTH_TIMEOUT_MS: env.int(2000, "Deadline of a call to the auth service", 50),
};
