import type http from "node:http";
import {
  IDENTITY_HEADER,
  createRedis,
  createBatchedRateLimiter,
  definePart,
  signIdentity,
  type ReadinessCheck,
} from "@crm/kit";
import client from "prom-client";
import swaggerUi from "swagger-ui-express";
import { config } from "./config.js";
import { DOCS_CSP, compileTrust, setSecurityHeaders } from "./http.js";
import { Authenticator } from "./identity/authenticator.js";
import { JwksStore } from "./identity/jwks.js";
import { OpenApiMerger } from "./openapi.js";
import { createPipeline } from "./pipeline.js";
import { UPSTREAMS, UPSTREAM_URL_KEYS, type UpstreamName } from "./routes.js";
import { Upstream } from "./upstream.js";

/** Paths the proxy pipeline owns; everything else (ops, docs, 404s) goes to the express app. */
function isProxied(url: string): boolean {
  return url.startsWith("/api/v1/") || url.startsWith("/.well-known/");
}

export default definePart({
  name: "gateway",
  config,
  httpPortKey: "GATEWAY_PORT",
  async create(cfg, kit) {
    const { logger, metrics, lifecycle } = kit;
    const redis = await createRedis({ url: cfg.REDIS_URL, keyPrefix: cfg.REDIS_KEY_PREFIX, logger });

    const rateLimitErrors = new client.Counter({
      name: "gateway_ratelimit_errors_total",
      help: "Rate-limit checks that failed on Redis and were let through (fail-open policy)",
      registers: [metrics.registry],
    });
    const rejections = new client.Counter({
      name: "gateway_rejections_total",
      help: "Requests the gateway refused itself, by reason",
      labelNames: ["reason"] as const,
      registers: [metrics.registry],
    });

    const rateLimitRejections = rejections.labels("ratelimit");

    let lastRedisWarning = 0;
    const limiter = cfg.RATE_LIMIT_ENABLED
      ? createBatchedRateLimiter({
          redis,
          windowMs: cfg.RATE_LIMIT_WINDOW_MS,
          limit: cfg.RATE_LIMIT_USER,
          prefix: "rl:gateway:",
          syncIntervalMs: cfg.RATE_LIMIT_SYNC_MS,
          operationTimeoutMs: cfg.RATE_LIMIT_REDIS_TIMEOUT_MS,
          onError: (err) => {
            // A failed background sync: requests fail open until one succeeds (counted per request
            // by the pipeline). One warning per 10 s is enough to notice.
            if (Date.now() - lastRedisWarning > 10_000) {
              lastRedisWarning = Date.now();
              logger.warn({ err: { message: err.message } }, "rate limit check failed; allowing request (fail-open)");
            }
          },
        })
      : undefined;

    const upstreams = new Map<UpstreamName, Upstream>();
    for (const name of UPSTREAMS) {
      const url = cfg[UPSTREAM_URL_KEYS[name]];
      if (!url) continue;
      upstreams.set(
        name,
        new Upstream({
          name,
          url,
          timeoutMs: cfg.UPSTREAM_TIMEOUT_MS,
          maxSockets: cfg.UPSTREAM_MAX_SOCKETS,
          breaker: {
            resetTimeoutMs: cfg.BREAKER_RESET_MS,
            volumeThreshold: cfg.BREAKER_VOLUME_THRESHOLD,
            errorThresholdPercentage: cfg.BREAKER_ERROR_PERCENT,
          },
          metrics,
          logger,
        }),
      );
    }
    const authUrl = upstreams.get("auth")!.url;

    const jwks = new JwksStore({
      url: cfg.JWKS_URL ?? `${authUrl}/.well-known/jwks.json`,
      algorithms: cfg.JWT_ALGORITHMS,
      refreshMs: cfg.JWKS_REFRESH_MS,
      refetchCooldownMs: cfg.JWKS_REFETCH_COOLDOWN_MS,
      logger,
    });
    jwks.start();

    const authClient = kit.grpcClient({
      peer: "auth",
      address: cfg.AUTH_GRPC_ADDR,
      file: "crm/auth/v1/auth.proto",
      service: "crm.auth.v1.AuthService",
      timeoutMs: 2000,
      idempotent: ["ValidateApiKey"],
    });

    const authenticator = new Authenticator({
      meshSecret: cfg.MESH_SECRET,
      jwks,
      authClient,
      issuer: cfg.JWT_ISSUER,
      audience: cfg.JWT_AUDIENCE,
      algorithms: cfg.JWT_ALGORITHMS,
      clockToleranceSeconds: cfg.JWT_CLOCK_TOLERANCE_SECONDS,
      tokenCacheSize: cfg.TOKEN_CACHE_SIZE,
      apiKeyCacheTtlMs: cfg.API_KEY_CACHE_TTL_MS,
      apiKeyNegativeTtlMs: cfg.API_KEY_NEGATIVE_CACHE_TTL_MS,
      apiKeyCacheSize: cfg.API_KEY_CACHE_SIZE,
      onApiKeyError: (err) => {
        const status = (err as { status?: number }).status;
        if (status === undefined || status >= 500) {
          logger.warn({ err: { message: (err as Error).message, status } }, "API key validation failed");
        }
      },
    });

    const trust = compileTrust(cfg.TRUST_PROXY);
    const pipeline = createPipeline({
      logger,
      metrics,
      lifecycle,
      authenticator,
      upstreams,
      limiter,
      limits: { user: cfg.RATE_LIMIT_USER, anonymous: cfg.RATE_LIMIT_ANONYMOUS, windowMs: cfg.RATE_LIMIT_WINDOW_MS },
      bodyLimits: { body: cfg.BODY_LIMIT_BYTES, archive: cfg.ARCHIVE_BODY_LIMIT_BYTES },
      trust,
      corsOrigins: cfg.CORS_ORIGINS,
      onRejected: () => rateLimitRejections.inc(),
      onDegraded: () => rateLimitErrors.inc(),
    });

    const openapi = new OpenApiMerger(
      [...upstreams.values()].map((u) => ({ name: u.name, url: u.url })),
      { cacheMs: cfg.OPENAPI_CACHE_MS, timeoutMs: cfg.OPENAPI_FETCH_TIMEOUT_MS, logger },
    );

    const readiness: ReadinessCheck[] = [
      // Fail-open policy: the edge keeps serving without Redis, so Redis is reported, not critical.
      { name: "redis", critical: false, check: async () => void (await redis.ping()) },
      {
        name: "jwks",
        check: async () => {
          if (!jwks.loaded) await jwks.refresh();
          if (jwks.size === 0) throw new Error("auth publishes no usable signing key");
        },
      },
      ...[...upstreams.values()].map<ReadinessCheck>((u) => ({
        name: `upstream:${u.name}`,
        critical: false,
        check: async () => {
          const res = await fetch(`${u.url}/ready`, { signal: AbortSignal.timeout(cfg.READY_UPSTREAM_TIMEOUT_MS) });
          await res.body?.cancel();
          if (res.status !== 200) throw new Error(`answered ${res.status}`);
          if (u.breaker.state === "open") throw new Error("circuit open");
        },
      })),
    ];

    const app = kit.http({
      readiness,
      routes: (express) => {
        express.get("/api/openapi.json", async (_req, res) => {
          res.setHeader("cache-control", "no-cache");
          res.json(await openapi.document());
        });
        express.use(
          "/api/docs",
          swaggerUi.serve,
          swaggerUi.setup(undefined, {
            customSiteTitle: "CodeReview Mesh API",
            swaggerOptions: { url: "/api/openapi.json", persistAuthorization: true },
          }),
        );
      },
    });

    const listener: http.RequestListener = (req, res) => {
      const url = req.url ?? "/";
      if (isProxied(url)) {
        pipeline(req, res);
        return;
      }
      setSecurityHeaders(res);
      if (url.startsWith("/api/docs")) res.setHeader("content-security-policy", DOCS_CSP);
      if (url.startsWith("/api")) {
        // Gateway-owned /api routes (docs, OpenAPI, 404s) serve anyone: the kit app sees an anonymous caller.
        req.headers[IDENTITY_HEADER] = signIdentity(
          cfg.MESH_SECRET,
          {
            sub: "anonymous",
            role: "anonymous",
            via: "anonymous",
            ...(req.socket.remoteAddress ? { ip: req.socket.remoteAddress } : {}),
          },
          60,
        );
      }
      app(req, res);
    };

    return {
      app: listener,
      async close() {
        jwks.stop();
        authClient.close();
        for (const u of upstreams.values()) u.close();
        await limiter?.close();
        redis.disconnect();
      },
    };
  },
});
