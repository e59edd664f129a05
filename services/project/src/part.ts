import { createPrisma, migrate } from "@crm/db";
import { definePart } from "@crm/kit";
import { createAuthClient } from "./clients/auth.js";
import { projectConfig } from "./config.js";
import { FileStore } from "./data/files.js";
import { ProjectStore } from "./data/projects.js";
import { Files } from "./domain/files.js";
import type { Limits } from "./domain/limits.js";
import { Projects } from "./domain/projects.js";
import { projectService } from "./grpc/project-service.js";
import { openApiDocument } from "./openapi.js";
import { fileDocs, mountFileRoutes } from "./routes/files.js";
import { mountProjectRoutes, projectDocs } from "./routes/projects.js";

/** The project service: projects, members, files and archive upload (REST), access and files (gRPC). */
export default definePart({
  name: "project",
  config: projectConfig,
  httpPortKey: "PROJECT_HTTP_PORT",
  grpcPortKey: "PROJECT_GRPC_PORT",
  async create(config, kit) {
    if (config.MIGRATE_ON_START) await migrate({ databaseUrl: config.DATABASE_URL, log: kit.logger });
    const limits: Limits = {
      fileMaxBytes: config.PROJECT_FILE_MAX_BYTES,
      requestMaxFiles: config.PROJECT_REQUEST_MAX_FILES,
      requestMaxBytes: config.PROJECT_REQUEST_MAX_BYTES,
      projectMaxFiles: config.PROJECT_MAX_FILES,
      projectMaxBytes: config.PROJECT_MAX_BYTES,
      archiveMaxBytes: config.ARCHIVE_MAX_BYTES,
      archiveMaxEntries: config.ARCHIVE_MAX_ENTRIES,
      archiveMaxUnpackedBytes: config.ARCHIVE_MAX_UNPACKED_BYTES,
      archiveMaxRatio: config.ARCHIVE_MAX_RATIO,
      archiveSkipDirs: new Set(config.ARCHIVE_SKIP_DIRS),
    };
    const prisma = createPrisma(config.DATABASE_URL, {
      poolSize: config.DATABASE_POOL_SIZE,
      onPoolError: (err) => kit.logger.warn({ err }, "idle database connection failed"),
    });
    const auth = createAuthClient(kit, config.AUTH_GRPC_ADDR, config.PROJECT_AUTH_TIMEOUT_MS);
    const store = new ProjectStore(prisma);
    const projects = new Projects(store, auth);
    const files = new Files(projects, new FileStore(prisma), limits);
    const openapi = openApiDocument("CodeReview Mesh: project service", [...projectDocs, ...fileDocs]);

    const app = kit.http({
      // JSON uploads carry content escaped (a newline is two characters), hence the headroom.
      bodyLimit: `${Math.ceil((2 * limits.requestMaxBytes) / 1024) + 64}kb`,
      requestTimeoutMs: 120_000,
      readiness: [
        { name: "postgres", check: () => store.ping() },
        // Only adding members needs auth: without it the rest of the service still works.
        { name: "auth", check: () => auth.health(), critical: false },
      ],
      routes(app) {
        app.get("/openapi.json", (_req, res) => void res.json(openapi));
        mountProjectRoutes(app, projects);
        mountFileRoutes(app, files, limits);
      },
    });
    const grpc = kit.grpcServer([projectService(projects, store, files)]);
    return {
      app,
      grpc,
      async close() {
        auth.close();
        await prisma.$disconnect();
      },
    };
  },
});
