import { randomUUID } from "node:crypto";
import { createPrisma, migrate } from "@crm/db";
import { createRedis, definePart, type Redis } from "@crm/kit";
import { providerClient } from "./clients/provider.js";
import { config } from "./config.js";
import { routeStore } from "./data/routes.js";
import { anthropicAdapter } from "./domain/adapters/anthropic.js";
import { localAdapter } from "./domain/adapters/local.js";
import { openaiAdapter } from "./domain/adapters/openai.js";
import { breakerRegistry, startHealthReporter } from "./domain/breakers.js";
import { responseCache } from "./domain/cache.js";
import { completionEngine } from "./domain/engine.js";
import { aiMetrics } from "./domain/metrics.js";
import { listModels } from "./domain/models.js";
import { LatencyTracker } from "./domain/plan.js";
import { orchestratorGrpc } from "./grpc/orchestrator-service.js";
import { aiRouteRoutes } from "./routes/ai-routes.js";
import { chatRoutes } from "./routes/chat.js";
import { openApiDocument } from "./routes/openapi.js";

/** The AI orchestrator: OpenAI-compatible API, routes, fallback, breakers, cache (REST + OrchestratorService). */
export default definePart({
  name: "ai-orchestrator",
  config,
  httpPortKey: "ORCHESTRATOR_HTTP_PORT",
  grpcPortKey: "ORCHESTRATOR_GRPC_PORT",
  async create(cfg, kit) {
    if (cfg.MIGRATE_ON_START)
      await migrate({ databaseUrl: cfg.DATABASE_URL, log: kit.logger.child({ component: "migrate" }) });
    const prisma = createPrisma(cfg.DATABASE_URL, { poolSize: cfg.DATABASE_POOL_SIZE });
    const redis = await createRedis({ url: cfg.REDIS_URL, keyPrefix: cfg.REDIS_KEY_PREFIX, logger: kit.logger });
    const provider = providerClient(kit, cfg.PROVIDER_GRPC_ADDR);
    const routes = routeStore(prisma);
    const breakers = breakerRegistry(
      {
        errorThresholdPercentage: cfg.ORCHESTRATOR_BREAKER_ERROR_PERCENT,
        volumeThreshold: cfg.ORCHESTRATOR_BREAKER_VOLUME,
        resetTimeoutMs: cfg.ORCHESTRATOR_BREAKER_RESET_MS,
        rollingWindowMs: cfg.ORCHESTRATOR_BREAKER_WINDOW_MS,
      },
      kit.metrics,
    );
    const instanceId = `${kit.name}-${randomUUID().slice(0, 8)}`;
    const stopReporting = startHealthReporter({
      registry: breakers,
      send: (reports) => provider.reportHealth(instanceId, reports),
      intervalMs: cfg.ORCHESTRATOR_HEALTH_REPORT_MS,
      logger: kit.logger,
    });
    const engine = completionEngine({
      provider,
      routes,
      cache: responseCache(redis, kit.logger),
      breakers,
      latency: new LatencyTracker(),
      adapters: { openai: openaiAdapter, anthropic: anthropicAdapter, local: localAdapter },
      metrics: aiMetrics(kit.metrics),
      settings: {
        requestTimeoutMs: cfg.ORCHESTRATOR_REQUEST_TIMEOUT_MS,
        attemptTimeoutMs: cfg.ORCHESTRATOR_ATTEMPT_TIMEOUT_MS,
        retries: cfg.ORCHESTRATOR_RETRIES,
        retryBaseMs: cfg.ORCHESTRATOR_RETRY_BASE_MS,
        retryMaxMs: cfg.ORCHESTRATOR_RETRY_MAX_MS,
        cacheTtlSeconds: cfg.ORCHESTRATOR_CACHE_TTL_SECONDS,
        redactSecrets: cfg.ORCHESTRATOR_REDACT_SECRETS,
      },
      logger: kit.logger,
    });
    const openapi = openApiDocument();

    const app = kit.http({
      bodyLimit: cfg.ORCHESTRATOR_BODY_LIMIT,
      requestTimeoutMs: cfg.ORCHESTRATOR_REQUEST_TIMEOUT_MS,
      readiness: [
        { name: "postgres", check: async () => void (await prisma.$queryRaw`SELECT 1`) },
        { name: "redis", check: async () => void (await redis.ping()) },
        { name: "provider", check: () => provider.client.health() },
      ],
      routes: (app) => {
        app.get("/openapi.json", (_req, res) => void res.json(openapi));
        chatRoutes(app, engine, () => listModels(provider, routes), kit.logger);
        aiRouteRoutes(app, routes, provider);
      },
    });
    const grpc = kit.grpcServer([orchestratorGrpc(engine, cfg.ORCHESTRATOR_DEFAULT_REVIEW_MODEL)]);
    return {
      app,
      grpc,
      async close() {
        stopReporting();
        breakers.shutdown();
        provider.close();
        await Promise.allSettled([prisma.$disconnect(), closeRedis(redis)]);
      },
    };
  },
});

/** quit() waits for Redis to answer; a dead Redis must not hold up shutdown. */
async function closeRedis(redis: Redis): Promise<void> {
  await Promise.race([redis.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
  redis.disconnect();
}
