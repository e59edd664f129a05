import { env, redisConfig } from "@crm/kit";
import { z } from "zod";

const optionalUrl = (doc: string) => z.url().optional().describe(doc);

/** Every env key the gateway reads (the common ones are added by definePart). */
export const config = {
  GATEWAY_PORT: env.port(8080, "HTTP port of the gateway (the one public REST entry)"),
  ...redisConfig,

  // --- upstreams (REST base URLs; a route whose upstream is unset answers 503) ---------------
  AUTH_URL: env.url("Base URL of the auth service's REST API (also serves the JWKS)"),
  PROJECT_URL: optionalUrl("Base URL of the project service"),
  VERSION_CONTROL_URL: optionalUrl("Base URL of the version-control service"),
  PROVIDER_URL: optionalUrl("Base URL of the provider service"),
  ORCHESTRATOR_URL: optionalUrl("Base URL of the ai-orchestrator service"),
  ANALYSIS_URL: optionalUrl("Base URL of the analysis service"),
  COMPARISON_URL: optionalUrl("Base URL of the comparison service"),
  AUTH_GRPC_ADDR: env.grpcAddress("host:port of crm.auth.v1.AuthService (API key validation)"),

  UPSTREAM_TIMEOUT_MS: env.int(
    30_000,
    "Inactivity timeout of a proxied exchange (no bytes from the upstream for this long → 504)",
    100,
  ),
  UPSTREAM_MAX_SOCKETS: env.int(256, "Keep-alive sockets per upstream", 1, 65_535),
  BREAKER_RESET_MS: env.int(5000, "How long an upstream's open breaker waits before one trial request", 10),
  BREAKER_VOLUME_THRESHOLD: env.int(5, "Requests in the rolling window before an upstream breaker may open", 1),
  BREAKER_ERROR_PERCENT: env.int(50, "Failure percentage in the rolling window that opens an upstream breaker", 1, 100),

  // --- identity --------------------------------------------------------------------------------
  JWT_ISSUER: env.stringDefault("codereview-mesh-auth", "Expected `iss` of access tokens (auth's AUTH_ISSUER)"),
  JWT_AUDIENCE: env.stringDefault("codereview-mesh", "Expected `aud` of access tokens (auth's AUTH_AUDIENCE)"),
  JWT_ALGORITHMS: env.list(["EdDSA", "ES256"], "Accepted JWS algorithms of access tokens (asymmetric only)"),
  JWT_CLOCK_TOLERANCE_SECONDS: env.int(5, "Clock skew tolerated on exp/nbf", 0, 300),
  JWKS_URL: optionalUrl("Where auth publishes its signing keys (default AUTH_URL + /.well-known/jwks.json)"),
  JWKS_REFRESH_MS: env.int(
    300_000,
    "Background refresh period of the JWKS (a failed refresh keeps the old keys)",
    1000,
  ),
  JWKS_REFETCH_COOLDOWN_MS: env.int(
    5000,
    "Minimum time between JWKS refetches caused by tokens with an unknown kid",
    0,
  ),
  TOKEN_CACHE_SIZE: env.int(10_000, "Verified access tokens cached (until their exp)", 0, 10_000_000),
  API_KEY_CACHE_TTL_MS: env.int(
    30_000,
    "How long a valid API key's answer is cached (capped by auth's cache_ttl_seconds)",
    0,
  ),
  API_KEY_NEGATIVE_CACHE_TTL_MS: env.int(5000, "How long an invalid API key's answer is cached", 0),
  API_KEY_CACHE_SIZE: env.int(10_000, "API key answers cached", 0, 10_000_000),

  // --- edge policies ---------------------------------------------------------------------------
  TRUST_PROXY: env.stringDefault(
    "false",
    "Which X-Forwarded-For hops to trust: false, true, a hop count, or comma-separated addresses/CIDRs/loopback,linklocal,uniquelocal",
  ),
  CORS_ORIGINS: env.list([], "Origins allowed to call the API from a browser (exact, comma-separated; * for any)"),
  BODY_LIMIT_BYTES: env.int(1_048_576, "Largest request body (413 beyond)", 0),
  ARCHIVE_BODY_LIMIT_BYTES: env.int(52_428_800, "Largest body of POST /api/v1/projects/{id}/archive", 0),
  RATE_LIMIT_ENABLED: env.bool(true, "Limit requests per user (per client IP when anonymous)"),
  RATE_LIMIT_WINDOW_MS: env.int(60_000, "Sliding window of the request rate limit", 1000),
  RATE_LIMIT_USER: env.int(600, "Requests per window for an authenticated caller", 1),
  RATE_LIMIT_ANONYMOUS: env.int(120, "Requests per window for an anonymous client IP", 1),
  RATE_LIMIT_REDIS_TIMEOUT_MS: env.int(250, "A rate-limit sync to Redis slower than this fails open", 10),
  RATE_LIMIT_SYNC_MS: env.int(
    50,
    "How often each gateway adds its local rate-limit hits to Redis and reads the global counts (overshoot across N gateways ≤ N × rate × this)",
    5,
    10_000,
  ),
  OPENAPI_CACHE_MS: env.int(30_000, "How long upstream OpenAPI documents are cached for /api/openapi.json", 0),
  OPENAPI_FETCH_TIMEOUT_MS: env.int(2000, "Timeout of fetching one upstream's /openapi.json", 100),
  READY_UPSTREAM_TIMEOUT_MS: env.int(1500, "Timeout of one upstream /ready probe", 100),
} satisfies Record<string, z.ZodType>;

export type GatewayConfig = z.infer<z.ZodObject<typeof config>>;
