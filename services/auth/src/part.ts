import { createPrisma, migrate } from "@crm/db";
import { ConfigError, createRedis, definePart } from "@crm/kit";
import { config } from "./config.js";
import { authGrpc } from "./grpc/auth.js";
import { apiKeyRoutes } from "./routes/api-keys.js";
import { authRoutes } from "./routes/auth.js";
import { publicRoutes } from "./routes/public.js";
import { userRoutes } from "./routes/users.js";
import { createServices } from "./services.js";

export default definePart({
  name: "auth",
  config,
  httpPortKey: "AUTH_HTTP_PORT",
  grpcPortKey: "AUTH_GRPC_PORT",
  async create(cfg, kit) {
    const { logger } = kit;
    if (Boolean(cfg.BOOTSTRAP_ADMIN_EMAIL) !== Boolean(cfg.BOOTSTRAP_ADMIN_PASSWORD))
      throw new ConfigError("auth", ["BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD must be set together"]);
    if (cfg.MIGRATE_ON_START)
      await migrate({ databaseUrl: cfg.DATABASE_URL, log: logger.child({ component: "migrate" }) });

    const db = createPrisma(cfg.DATABASE_URL, {
      poolSize: cfg.DATABASE_POOL_SIZE,
      onPoolError: (err) => logger.warn({ err: { message: err.message } }, "postgres connection error"),
    });
    const redis = await createRedis({ url: cfg.REDIS_URL, keyPrefix: cfg.REDIS_KEY_PREFIX, logger }).catch(
      async (err: unknown) => {
        await db.$disconnect();
        throw err;
      },
    );
    const close = async () => {
      services.stop();
      await Promise.allSettled([db.$disconnect(), redis.quit().catch(() => redis.disconnect())]);
    };

    const services = createServices({
      db,
      redis,
      logger,
      tokens: {
        issuer: cfg.AUTH_ISSUER,
        audience: cfg.AUTH_AUDIENCE,
        accessTtlSeconds: cfg.ACCESS_TOKEN_TTL_SECONDS,
        refreshTtlSeconds: cfg.REFRESH_TOKEN_TTL_SECONDS,
      },
      lockout: {
        accountMaxFailures: cfg.LOCKOUT_ACCOUNT_MAX_FAILURES,
        ipMaxFailures: cfg.LOCKOUT_IP_MAX_FAILURES,
        windowSeconds: cfg.LOCKOUT_WINDOW_SECONDS,
      },
      signingKeyRotationHours: cfg.SIGNING_KEY_ROTATION_HOURS,
      apiKeyCacheTtlSeconds: cfg.API_KEY_CACHE_TTL_SECONDS,
    });
    try {
      await services.start();
      if (cfg.BOOTSTRAP_ADMIN_EMAIL && cfg.BOOTSTRAP_ADMIN_PASSWORD)
        await services.users.bootstrapAdmin(cfg.BOOTSTRAP_ADMIN_EMAIL, cfg.BOOTSTRAP_ADMIN_PASSWORD);
    } catch (err) {
      await close();
      throw err;
    }

    const app = kit.http({
      readiness: [
        { name: "postgres", check: async () => void (await db.$queryRaw`SELECT 1`) },
        // Not critical: only login needs Redis (and refuses with 503 while it is down); tokens,
        // API keys and the JWKS keep working, so the replica should stay in rotation.
        { name: "redis", critical: false, check: async () => void (await redis.ping()) },
      ],
      routes: (app) => {
        publicRoutes(app, services);
        authRoutes(app, services);
        apiKeyRoutes(app, services);
        userRoutes(app, services);
      },
    });
    return { app, grpc: kit.grpcServer([authGrpc(services)]), close };
  },
});
