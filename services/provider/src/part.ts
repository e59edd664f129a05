import { createPrisma, migrate } from "@crm/db";
import { createRedis, definePart, type Redis } from "@crm/kit";
import { config } from "./config.js";
import { providerStore } from "./data/providers.js";
import { quotaStore } from "./data/quotas.js";
import { usageStore } from "./data/usage.js";
import { counters } from "./domain/counters.js";
import { healthService } from "./domain/health.js";
import { createKeyring } from "./domain/keyring.js";
import { providerService } from "./domain/providers.js";
import { quotaService } from "./domain/quotas.js";
import { slidingWindowLimiter } from "./domain/rpm.js";
import { providerGrpc } from "./grpc/provider-service.js";
import { openApiDocument } from "./routes/openapi.js";
import { providerRoutes } from "./routes/providers.js";
import { quotaRoutes } from "./routes/quotas.js";
import { usageRoutes } from "./routes/usage.js";

/** The provider service: providers and their keys, quotas, usage ledger (REST + ProviderService). */
export default definePart({
  name: "provider",
  config,
  httpPortKey: "PROVIDER_HTTP_PORT",
  grpcPortKey: "PROVIDER_GRPC_PORT",
  async create(cfg, kit) {
    // A bad key set is a configuration error: fail before serving anything.
    const keyring = createKeyring(cfg.PROVIDER_KEYS, cfg.PROVIDER_ACTIVE_KEY_ID);
    if (cfg.MIGRATE_ON_START)
      await migrate({ databaseUrl: cfg.DATABASE_URL, log: kit.logger.child({ component: "migrate" }) });
    const prisma = createPrisma(cfg.DATABASE_URL, { poolSize: cfg.DATABASE_POOL_SIZE });
    const redis = await createRedis({ url: cfg.REDIS_URL, keyPrefix: cfg.REDIS_KEY_PREFIX, logger: kit.logger });

    const providersData = providerStore(prisma);
    const quotasData = quotaStore(prisma);
    const usage = usageStore(prisma);
    const providers = providerService(providersData, keyring, kit.logger);
    if (cfg.PROVIDER_SEED_LOCAL) await providers.ensureLocal();
    const quotas = quotaService({
      quotas: quotasData,
      providers: providersData,
      usage,
      counters: counters(redis),
      limiter: slidingWindowLimiter(redis),
      logger: kit.logger,
      holdSeconds: cfg.PROVIDER_RESERVATION_TTL_SECONDS,
      defaultOutputTokens: cfg.PROVIDER_DEFAULT_OUTPUT_TOKENS,
    });
    const health = healthService({
      providers: providersData,
      usage,
      redis,
      windowSeconds: cfg.PROVIDER_HEALTH_WINDOW_SECONDS,
      logger: kit.logger,
    });
    const openapi = openApiDocument();

    const app = kit.http({
      readiness: [
        { name: "postgres", check: async () => void (await prisma.$queryRaw`SELECT 1`) },
        { name: "redis", check: async () => void (await redis.ping()) },
      ],
      routes: (app) => {
        app.get("/openapi.json", (_req, res) => void res.json(openapi));
        providerRoutes(app, providers, health);
        quotaRoutes(app, quotas, quotasData);
        usageRoutes(app, usage);
      },
    });
    const grpc = kit.grpcServer([providerGrpc({ providers, quotas, health })]);
    return {
      app,
      grpc,
      async close() {
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
