import { createPrisma, migrate } from "@crm/db";
import { definePart } from "@crm/kit";
import { orchestratorClient } from "./clients/orchestrator.js";
import { projectClient } from "./clients/project.js";
import { versioningClient } from "./clients/versioning.js";
import { config } from "./config.js";
import { analysesData } from "./data/analyses.js";
import { findingsData } from "./data/findings.js";
import { Analyses } from "./domain/analyses.js";
import { ProgressHub } from "./domain/events.js";
import { JobQueue } from "./domain/queue.js";
import { Runner } from "./domain/runner.js";
import { analysisGrpc } from "./grpc/analysis.js";
import { analysisRoutes } from "./routes/analyses.js";
import { eventRoutes } from "./routes/events.js";
import { openApiDocument } from "./routes/openapi.js";

/**
 * The analysis service: review jobs on a durable queue (pg-boss), static analyzers and AI review
 * through the orchestrator, findings, SARIF and progress events; gRPC AnalysisService for peers.
 */
export default definePart({
  name: "analysis",
  config,
  httpPortKey: "ANALYSIS_HTTP_PORT",
  grpcPortKey: "ANALYSIS_GRPC_PORT",
  async create(cfg, kit) {
    const logger = kit.logger;
    if (cfg.MIGRATE_ON_START)
      await migrate({ databaseUrl: cfg.DATABASE_URL, log: logger.child({ component: "migrate" }) });
    const db = createPrisma(cfg.DATABASE_URL, { poolSize: cfg.DATABASE_POOL_SIZE });
    const project = projectClient(kit, cfg.PROJECT_GRPC_ADDR);
    const versioning = versioningClient(kit, cfg.VERSION_CONTROL_GRPC_ADDR);
    const orchestrator = orchestratorClient(kit, cfg.ORCHESTRATOR_GRPC_ADDR);
    const analysesStore = analysesData(db);
    const findings = findingsData(db);
    const hub = new ProgressHub();
    const runner = new Runner({
      analyses: analysesStore,
      findings,
      project,
      orchestrator,
      hub,
      logger: logger.child({ component: "runner" }),
      settings: {
        leaseSeconds: cfg.ANALYSIS_LEASE_SECONDS,
        maxFileBytes: cfg.ANALYSIS_MAX_FILE_BYTES,
        ...(cfg.ANALYSIS_DEFAULT_MODEL ? { defaultModel: cfg.ANALYSIS_DEFAULT_MODEL } : {}),
        defaultContextWindow: cfg.ANALYSIS_DEFAULT_CONTEXT_WINDOW,
        aiTimeoutMs: cfg.ANALYSIS_AI_TIMEOUT_MS,
      },
    });
    const queue = new JobQueue(
      {
        databaseUrl: cfg.DATABASE_URL,
        schema: cfg.ANALYSIS_QUEUE_SCHEMA,
        concurrency: cfg.ANALYSIS_CONCURRENCY,
        pollIntervalMs: cfg.ANALYSIS_POLL_INTERVAL_MS,
        leaseSeconds: cfg.ANALYSIS_LEASE_SECONDS,
        retries: cfg.ANALYSIS_JOB_RETRIES,
      },
      analysesStore,
      runner,
      logger.child({ component: "queue" }),
    );
    const analyses = new Analyses({
      analyses: analysesStore,
      project,
      versioning,
      queue,
      runner,
      logger,
      maxFiles: cfg.ANALYSIS_MAX_FILES,
      maxFileBytes: cfg.ANALYSIS_MAX_FILE_BYTES,
    });
    await queue.start();

    const app = kit.http({
      bodyLimit: cfg.ANALYSIS_BODY_LIMIT,
      readiness: [
        { name: "postgres", check: async () => void (await db.$queryRaw`SELECT 1`) },
        { name: "job-queue", check: () => queue.health() },
        // Peers are needed for new work, not to serve what is stored: not critical.
        { name: "project", check: () => project.health(), critical: false },
        { name: "version-control", check: () => versioning.health(), critical: false },
        { name: "ai-orchestrator", check: () => orchestrator.health(), critical: false },
      ],
      routes(app) {
        const document = openApiDocument();
        app.get("/openapi.json", (_req, res) => void res.json(document));
        analysisRoutes(app, { analyses, analysesData: analysesStore, findings, project });
        eventRoutes(app, {
          analyses,
          analysesData: analysesStore,
          findings,
          hub,
          lifecycle: kit.lifecycle,
          logger,
        });
      },
    });
    const grpc = kit.grpcServer([analysisGrpc({ analyses, findings, hub })]);
    return {
      app,
      grpc,
      drain: () => queue.drain(cfg.SHUTDOWN_TIMEOUT_MS),
      async close() {
        await queue.drain(1000);
        project.close();
        versioning.close();
        orchestrator.close();
        await db.$disconnect();
      },
    };
  },
});
