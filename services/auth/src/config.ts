import { databaseConfig, env, redisConfig } from "@crm/kit";

/** Every env key the auth service reads (the common ones are added by definePart). */
export const config = {
  AUTH_HTTP_PORT: env.port(4001, "HTTP port of the auth service (REST, JWKS, OpenAPI, ops endpoints)"),
  AUTH_GRPC_PORT: env.port(5001, "gRPC port of crm.auth.v1.AuthService"),
  ...databaseConfig,
  ...redisConfig,
  MIGRATE_ON_START: env.bool(
    false,
    "Apply database migrations before serving (all-in-one mode; deployments run a migration step)",
  ),
  AUTH_ISSUER: env.stringDefault(
    "codereview-mesh-auth",
    "`iss` of access tokens; the gateway must expect the same value",
  ),
  AUTH_AUDIENCE: env.stringDefault("codereview-mesh", "`aud` of access tokens; the gateway must expect the same value"),
  ACCESS_TOKEN_TTL_SECONDS: env.int(900, "Lifetime of an access token (JWT) in seconds", 60, 86_400),
  REFRESH_TOKEN_TTL_SECONDS: env.int(
    2_592_000,
    "Lifetime of a refresh token in seconds (each rotation starts a new one)",
    300,
    31_536_000,
  ),
  SIGNING_KEY_ROTATION_HOURS: env.int(
    720,
    "Age in hours after which the JWT signing key is replaced by a new one",
    1,
    87_600,
  ),
  BOOTSTRAP_ADMIN_EMAIL: env.optionalString("E-mail of an admin account created at start when it does not exist yet"),
  BOOTSTRAP_ADMIN_PASSWORD: env.optionalString(
    "Password of that bootstrap admin (must pass the password strength rule)",
  ),
  LOCKOUT_ACCOUNT_MAX_FAILURES: env.int(
    5,
    "Failed logins for one e-mail within the window before further logins get 429",
    1,
    10_000,
  ),
  LOCKOUT_IP_MAX_FAILURES: env.int(
    20,
    "Failed logins from one client IP within the window before further logins get 429",
    1,
    100_000,
  ),
  LOCKOUT_WINDOW_SECONDS: env.int(
    900,
    "Window (and lockout duration) of the failed-login counters, in seconds",
    1,
    86_400,
  ),
  API_KEY_CACHE_TTL_SECONDS: env.int(
    10,
    "Seconds the gateway may cache an API key validation (upper bound on revocation delay)",
    0,
    3600,
  ),
};
