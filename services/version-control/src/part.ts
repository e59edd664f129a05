import { createPrisma, migrate } from "@crm/db";
import { definePart } from "@crm/kit";
import { createProjectClient } from "./clients/project.js";
import { versionControlConfig } from "./config.js";
import { ExperimentStore } from "./data/experiments.js";
import { LabelStore } from "./data/labels.js";
import { ExperimentAccess } from "./domain/access.js";
import { Experiments } from "./domain/experiments.js";
import { Labels } from "./domain/labels.js";
import { versionService } from "./grpc/version-service.js";
import { openApiDocument } from "./openapi.js";
import { experimentDocs, mountExperimentRoutes } from "./routes/experiments.js";
import { labelDocs, mountLabelRoutes } from "./routes/labels.js";

/** The version-control service: experiments, immutable config versions, diffs and labels. */
export default definePart({
  name: "version-control",
  config: versionControlConfig,
  httpPortKey: "VERSION_CONTROL_HTTP_PORT",
  grpcPortKey: "VERSION_CONTROL_GRPC_PORT",
  async create(config, kit) {
    if (config.MIGRATE_ON_START) await migrate({ databaseUrl: config.DATABASE_URL, log: kit.logger });
    const prisma = createPrisma(config.DATABASE_URL, {
      poolSize: config.DATABASE_POOL_SIZE,
      onPoolError: (err) => kit.logger.warn({ err }, "idle database connection failed"),
    });
    const projects = createProjectClient(kit, {
      address: config.PROJECT_GRPC_ADDR,
      timeoutMs: config.VERSION_CONTROL_PROJECT_TIMEOUT_MS,
      breakerResetMs: config.VERSION_CONTROL_BREAKER_RESET_MS,
    });
    const store = new ExperimentStore(prisma);
    const labelStore = new LabelStore(prisma);
    const experiments = new Experiments(store, labelStore, new ExperimentAccess(projects));
    const labels = new Labels(labelStore, experiments);
    const openapi = openApiDocument("CodeReview Mesh: version-control service", [...experimentDocs, ...labelDocs]);

    const app = kit.http({
      requestTimeoutMs: 15_000,
      readiness: [
        { name: "postgres", check: () => store.ping() },
        // Experiments outside projects work without it; project-bound ones answer 503 meanwhile.
        { name: "project", check: () => projects.health(), critical: false },
      ],
      routes(app) {
        app.get("/openapi.json", (_req, res) => void res.json(openapi));
        mountExperimentRoutes(app, experiments);
        mountLabelRoutes(app, labels);
      },
    });
    const grpc = kit.grpcServer([versionService(experiments, labels)]);
    return {
      app,
      grpc,
      async close() {
        projects.close();
        await prisma.$disconnect();
      },
    };
  },
});
