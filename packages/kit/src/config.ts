import { z } from "zod";

/**
 * Config is an object of env variables, each a zod schema with a one-line doc (`.describe`).
 * It is validated once at start; every bad or missing variable is reported together.
 */
export type ConfigShape = Record<string, z.ZodType>;

export class ConfigError extends Error {
  constructor(
    readonly part: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration for ${part}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function loadConfig<S extends ConfigShape>(
  part: string,
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  // Empty strings mean "unset", as in compose files with `VAR=`.
  const input: Record<string, string> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const result = z.object(shape).safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? "?");
    const doc = shape[key]?.description;
    const missing = input[key] === undefined;
    return `${key}: ${missing ? "is required" : issue.message}${doc ? ` (${doc})` : ""}`;
  });
  throw new ConfigError(part, problems);
}

/** Documentation rows for a config shape (README table, compose/k8s checks). */
export function describeConfig(
  shape: ConfigShape,
): { name: string; required: boolean; default?: string; doc: string }[] {
  return Object.entries(shape).map(([name, schema]) => {
    const parsed = schema.safeParse(undefined);
    const required = !parsed.success;
    const row: { name: string; required: boolean; default?: string; doc: string } = {
      name,
      required,
      doc: schema.description ?? "",
    };
    if (parsed.success && parsed.data !== undefined) row.default = String(parsed.data);
    return row;
  });
}

// --- building blocks every part uses ---------------------------------------------------------

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

export const env = {
  string: (doc: string) => z.string().min(1).describe(doc),
  optionalString: (doc: string) => z.string().min(1).optional().describe(doc),
  stringDefault: (value: string, doc: string) => z.string().min(1).default(value).describe(doc),
  int: (value: number, doc: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce.number().int().min(min).max(max).default(value).describe(doc),
  port: (value: number, doc: string) => z.coerce.number().int().min(0).max(65535).default(value).describe(doc),
  bool: (value: boolean, doc: string) => bool.default(value).describe(doc),
  url: (doc: string) => z.url().describe(doc),
  /** host:port of a gRPC peer; no default, by design: a missing peer is a deployment error. */
  grpcAddress: (doc: string) =>
    z
      .string()
      .regex(/^[\w.-]+:\d{1,5}$/, "must be host:port")
      .describe(doc),
  list: (value: string[], doc: string) =>
    z
      .string()
      .default(value.join(","))
      .transform((s) =>
        s
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .describe(doc),
};

/** Keys every part reads. */
export const commonConfig = {
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info")
    .describe("pino log level"),
  SHUTDOWN_TIMEOUT_MS: env.int(15000, "How long in-flight work may take to finish after SIGTERM"),
  SHUTDOWN_DELAY_MS: env.int(0, "Pause between failing /ready and closing listeners (let load balancers notice)"),
  MESH_SECRET: z
    .string()
    .min(32, "must be at least 32 characters")
    .describe("Shared secret that signs caller identity between gateway and services"),
};

export const databaseConfig = {
  DATABASE_URL: env.url("PostgreSQL connection string"),
  DATABASE_POOL_SIZE: env.int(10, "Connections in this part's PostgreSQL pool", 1, 200),
};

export const redisConfig = {
  REDIS_URL: env.stringDefault("memory://", "Redis URL; memory:// keeps state in this process (all-in-one mode only)"),
  REDIS_KEY_PREFIX: env.stringDefault("crm:", "Prefix of every Redis key this deployment writes"),
};
