import { createPrisma, migrate } from "@crm/db";
import { definePart } from "@crm/kit";
import { analysisClient } from "./clients/analysis.js";
import { projectClient } from "./clients/project.js";
import { versioningClient } from "./clients/versioning.js";
import { config } from "./config.js";
import { abTestsData, comparisonsData } from "./data/store.js";
import { AbTests } from "./domain/abtests.js";
import { Access } from "./domain/access.js";
import { Comparisons } from "./domain/comparisons.js";
import { comparisonRoutes } from "./routes/http.js";
import { openApiDocument } from "./routes/openapi.js";

/** The comparison service: offline comparisons of two versions and online A/B tests. No gRPC server. */
export default definePart({
  name: "comparison",
  config,
  httpPortKey: "COMPARISON_HTTP_PORT",
  async create(cfg, kit) {
    const logger = kit.logger;
    if (cfg.MIGRATE_ON_START)
      await migrate({ databaseUrl: cfg.DATABASE_URL, log: logger.child({ component: "migrate" }) });
    const db = createPrisma(cfg.DATABASE_URL, { poolSize: cfg.DATABASE_POOL_SIZE });
    const analysis = analysisClient(kit, cfg.ANALYSIS_GRPC_ADDR);
    const versioning = versioningClient(kit, cfg.VERSION_CONTROL_GRPC_ADDR);
    const project = projectClient(kit, cfg.PROJECT_GRPC_ADDR);
    const access = new Access(project, versioning);
    const comparisons = new Comparisons({
      store: comparisonsData(db),
      analysis,
      versioning,
      access,
      logger: logger.child({ component: "comparisons" }),
      lineTolerance: cfg.COMPARISON_LINE_TOLERANCE,
      timeoutMs: cfg.COMPARISON_TIMEOUT_MS,
    });
    const abTests = new AbTests({
      store: abTestsData(db),
      versioning,
      access,
      defaultAlpha: cfg.AB_DEFAULT_ALPHA,
      srmAlpha: cfg.AB_SRM_ALPHA,
    });
    await comparisons.resume();
    const app = kit.http({
      readiness: [
        { name: "postgres", check: async () => void (await db.$queryRaw`SELECT 1`) },
        { name: "analysis", check: () => analysis.health(), critical: false },
        { name: "version-control", check: () => versioning.health(), critical: false },
        { name: "project", check: () => project.health(), critical: false },
      ],
      routes(app) {
        const document = openApiDocument();
        app.get("/openapi.json", (_req, res) => void res.json(document));
        comparisonRoutes(app, comparisons, abTests);
      },
    });
    return {
      app,
      drain: async () => comparisons.stop(),
      async close() {
        comparisons.stop();
        analysis.close();
        versioning.close();
        project.close();
        await db.$disconnect();
      },
    };
  },
});
