import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { PartModule } from "@crm/kit";

/** A part of the platform as the bench uses it: its module (config keys) and its own process entry. */
export interface PartInfo {
  module: PartModule;
  main: string;
}

/** Loads `<pkg>/part` when that part is built; undefined when it is not there (yet). */
export async function findPart(pkg: string): Promise<PartInfo | undefined> {
  try {
    const url = import.meta.resolve(`${pkg}/part`);
    const main = fileURLToPath(new URL("./main.js", url));
    if (!existsSync(fileURLToPath(url)) || !existsSync(main)) return undefined;
    const mod = (await import(`${pkg}/part`)) as { default: PartModule };
    return { module: mod.default, main };
  } catch {
    return undefined;
  }
}

/** The largest of a few big values each numeric key accepts (keys with a max get the max they allow). */
function biggestAccepted(part: PartModule, key: string): string | undefined {
  const schema = (part.config as Record<string, { safeParse(v: unknown): { success: boolean } }>)[key];
  if (!schema) return undefined;
  for (const value of ["1000000000", "100000000", "10000000", "1000000", "100000", "10000"])
    if (schema.safeParse(value).success) return value;
  return undefined;
}

/**
 * Env that keeps the gateway's rate limits out of the way of a benchmark (the limiter still runs
 * on every request: only its ceiling is raised). Known keys first, then any numeric key whose
 * name says it is a rate limit.
 */
export function rateLimitOverrides(gateway: PartModule | undefined): Record<string, string> {
  const out: Record<string, string> = { RATE_LIMIT_PER_MINUTE: "100000000" };
  if (!gateway) return out;
  for (const key of Object.keys(gateway.config)) {
    if (!/RATE_?LIMIT|_PER_(MINUTE|SECOND|HOUR)$/.test(key) || /WINDOW|_MS$|SECONDS$|ENABLED/.test(key)) continue;
    const value = biggestAccepted(gateway, key);
    if (value) out[key] = value;
    else delete out[key];
  }
  // The limiter is a sliding log (one Redis sorted-set member per admitted request): with a huge
  // limit and the default 60 s window one benchmark user's log would grow to a minute of traffic,
  // far beyond production's few hundred members. The shortest window keeps it near production size.
  const window = (gateway.config as Record<string, { safeParse(v: unknown): { success: boolean } }>)
    .RATE_LIMIT_WINDOW_MS;
  if (window?.safeParse("1000").success) out.RATE_LIMIT_WINDOW_MS = "1000";
  return out;
}
