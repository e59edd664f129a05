import { Prisma, type PrismaClient } from "@crm/db";

export interface UsageInsert {
  requestId: string;
  userId: string;
  projectId: string | null;
  providerId: string | null;
  providerName: string | null;
  model: string;
  requestedModel: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
  cacheHit: boolean;
  outcome: string;
  error: string | null;
}

export type GroupBy = "provider" | "model" | "user" | "project";

const GROUP_COLUMN: Record<GroupBy, string> = {
  provider: "provider_id",
  model: "model",
  user: "user_id",
  project: "project_id",
};

export interface UsageAggregate {
  key: string | null;
  name: string | null;
  requests: number;
  errors: number;
  cacheHits: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface ModelStats {
  model: string;
  requests: number;
  errors: number;
  latencyMsAvg: number | null;
  latencyMsP95: number | null;
}

/** The usage ledger: append-only by construction, this module only inserts and reads. */
export function usageStore(prisma: PrismaClient) {
  return {
    async insert(row: UsageInsert): Promise<void> {
      await prisma.usageRecord.create({ data: { ...row, costUsd: new Prisma.Decimal(row.costUsd.toFixed(6)) } });
    },

    async aggregate(groupBy: GroupBy, from: Date, to: Date, userId?: string): Promise<UsageAggregate[]> {
      // The column comes from a fixed map, never from input.
      const column = Prisma.raw(`"${GROUP_COLUMN[groupBy]}"`);
      const name = groupBy === "provider" ? Prisma.sql`max("provider_name")` : Prisma.sql`NULL`;
      const rows = await prisma.$queryRaw<
        {
          key: string | null;
          name: string | null;
          requests: bigint;
          errors: bigint;
          cache_hits: bigint;
          input_tokens: bigint | null;
          output_tokens: bigint | null;
          cost_usd: Prisma.Decimal | null;
        }[]
      >`
        SELECT ${column}::text AS key, ${name} AS name, count(*) AS requests,
               count(*) FILTER (WHERE "outcome" <> 'ok') AS errors,
               count(*) FILTER (WHERE "cache_hit") AS cache_hits,
               sum("input_tokens") AS input_tokens, sum("output_tokens") AS output_tokens, sum("cost_usd") AS cost_usd
        FROM "provider"."usage_records"
        WHERE "created_at" >= ${from} AND "created_at" < ${to}
          ${userId === undefined ? Prisma.empty : Prisma.sql`AND "user_id" = ${userId}`}
        GROUP BY ${column}
        ORDER BY sum("cost_usd") DESC NULLS LAST, count(*) DESC`;
      return rows.map((r) => ({
        key: r.key,
        name: r.name,
        requests: Number(r.requests),
        errors: Number(r.errors),
        cacheHits: Number(r.cache_hits),
        inputTokens: Number(r.input_tokens ?? 0),
        outputTokens: Number(r.output_tokens ?? 0),
        costUsd: Number(r.cost_usd ?? 0),
      }));
    },

    /** Error rate and latency of real calls (cache hits excluded) to one provider since `since`. */
    async modelStats(providerId: string, since: Date): Promise<ModelStats[]> {
      const rows = await prisma.$queryRaw<
        { model: string; requests: bigint; errors: bigint; avg: number | null; p95: number | null }[]
      >`
        SELECT "model", count(*) AS requests,
               count(*) FILTER (WHERE "outcome" <> 'ok') AS errors,
               avg("latency_ms")::float8 AS avg,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY "latency_ms")::float8 AS p95
        FROM "provider"."usage_records"
        WHERE "provider_id" = ${providerId}::uuid AND "created_at" >= ${since} AND NOT "cache_hit"
        GROUP BY "model"`;
      return rows.map((r) => ({
        model: r.model,
        requests: Number(r.requests),
        errors: Number(r.errors),
        latencyMsAvg: r.avg === null ? null : Math.round(r.avg),
        latencyMsP95: r.p95 === null ? null : Math.round(r.p95),
      }));
    },
  };
}

export type UsageStore = ReturnType<typeof usageStore>;
