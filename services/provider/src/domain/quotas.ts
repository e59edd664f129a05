import { randomUUID } from "node:crypto";
import { notFound, tooManyRequests, unavailable, type Logger } from "@crm/kit";
import type { ModelEntry, ProviderStore } from "../data/providers.js";
import type { QuotaRow, QuotaStore } from "../data/quotas.js";
import type { UsageInsert, UsageStore } from "../data/usage.js";
import type { PutQuotaInput } from "../routes/schemas.js";
import type { Counters, CounterSpec } from "./counters.js";
import { DAY_TTL, dayKey, MONTH_TTL, monthKey, secondsToDayEnd, secondsToMonthEnd } from "./periods.js";
import { priceOf, toMicros } from "./pricing.js";
import { modelsOf } from "./providers.js";
import type { RequestLimiter } from "./rpm.js";

export interface ReserveInput {
  userId: string;
  projectId: string | null;
  providerId: string;
  model: string;
  estimatedInputTokens: number;
  maxOutputTokens: number | null;
}

type CounterKind = "tokens" | "usd";
interface HeldCounter {
  key: string;
  kind: CounterKind;
  ttl: number;
}

export type UsageInput = Omit<UsageInsert, "costUsd"> & { costUsd: number };

const tokensKey = (q: QuotaRow, now: Date) => `quota:${q.id}:tok:${dayKey(now)}`;
const usdKey = (q: QuotaRow, now: Date) => `quota:${q.id}:usd:${monthKey(now)}`;
const rpmKey = (q: QuotaRow) => `quota:${q.id}:rpm`;
const budgetOf = (q: QuotaRow) => (q.budgetUsdPerMonth === null ? null : Number(q.budgetUsdPerMonth));

export function quotaView(
  q: QuotaRow,
  consumption: Awaited<ReturnType<ReturnType<typeof quotaService>["consumption"]>>,
) {
  return {
    id: q.id,
    scope: q.scope as "global" | "user" | "project",
    subjectId: q.subjectId,
    providerId: q.providerId,
    requestsPerMinute: q.requestsPerMinute,
    tokensPerDay: q.tokensPerDay,
    budgetUsdPerMonth: budgetOf(q),
    consumption,
    updatedAt: q.updatedAt.toISOString(),
  };
}

const describe = (q: QuotaRow) =>
  `${q.scope} quota${q.subjectId ? ` of ${q.scope} ${q.subjectId}` : ""}${q.providerId ? ` for provider ${q.providerId}` : ""}`;

/**
 * Quotas: definitions in Postgres, counters in Redis. Policy when Redis is unreachable: a call
 * that any quota applies to is refused with 503 (fail closed), since admitting it could
 * overspend a budget nobody can see; calls no quota applies to are not affected.
 */
export function quotaService(deps: {
  quotas: QuotaStore;
  providers: ProviderStore;
  usage: UsageStore;
  counters: Counters;
  limiter: RequestLimiter;
  logger: Logger;
  holdSeconds: number;
  defaultOutputTokens: number;
}) {
  const { quotas, providers, usage, counters, limiter } = deps;
  const log = deps.logger.child({ component: "quotas" });
  const redisDown = (err: unknown) => {
    log.warn({ err: { message: (err as Error).message } }, "quota counters unreachable: refusing the call");
    return unavailable("redis", "Quota counters are unavailable; AI calls with quotas are refused until they return");
  };

  const modelEntry = async (providerId: string, model: string): Promise<ModelEntry | undefined> => {
    const row = await providers.get(providerId);
    return row ? modelsOf(row).find((m) => m.id === model) : undefined;
  };

  /** Appends to the ledger; the cost of a real call comes from the provider's catalog. */
  const recordUsage = async (input: UsageInput): Promise<number> => {
    let cost = input.costUsd;
    if (!input.cacheHit && input.providerId) {
      const model = await modelEntry(input.providerId, input.model);
      if (model) cost = priceOf(model, input.inputTokens, input.outputTokens);
    }
    if (input.cacheHit) cost = 0;
    await usage.insert({ ...input, costUsd: cost });
    return cost;
  };

  return {
    record: recordUsage,

    async put(input: PutQuotaInput): Promise<QuotaRow> {
      if (input.providerId && !(await providers.get(input.providerId))) throw notFound("Provider");
      const row = await quotas.upsert(
        { scope: input.scope, subjectId: input.subjectId ?? null, providerId: input.providerId ?? null },
        {
          requestsPerMinute: input.requestsPerMinute ?? null,
          tokensPerDay: input.tokensPerDay ?? null,
          budgetUsdPerMonth: input.budgetUsdPerMonth ?? null,
        },
      );
      log.info({ quotaId: row.id, scope: row.scope }, "quota set");
      return row;
    },

    async remove(id: string): Promise<void> {
      if (!(await quotas.remove(id))) throw notFound("Quota");
    },

    /** Current consumption of a quota; null when Redis cannot be read. */
    async consumption(q: QuotaRow) {
      const now = new Date();
      try {
        const [tok, usd, rpm] = await Promise.all([
          counters.read(tokensKey(q, now)),
          counters.read(usdKey(q, now)),
          q.requestsPerMinute === null ? Promise.resolve(0) : limiter.count(rpmKey(q), q.requestsPerMinute),
        ]);
        return {
          requestsThisMinute: rpm,
          tokensToday: tok.used,
          tokensReserved: tok.held,
          usdThisMonth: usd.used / 1e6,
          usdReserved: usd.held / 1e6,
        };
      } catch {
        return null;
      }
    },

    async reserve(
      input: ReserveInput,
    ): Promise<{ reservationId: string; estimatedCostUsd: number; quotaIds: string[] }> {
      const model = await modelEntry(input.providerId, input.model);
      const maxOut = input.maxOutputTokens ?? Math.min(deps.defaultOutputTokens, model?.contextWindow ?? Infinity);
      const estimatedCostUsd = model ? priceOf(model, input.estimatedInputTokens, maxOut) : 0;
      const applicable = await quotas.applicable(input.userId, input.projectId, input.providerId);
      if (applicable.length === 0) return { reservationId: "", estimatedCostUsd, quotaIds: [] };

      const now = new Date();
      const specs: (CounterSpec & { quota: QuotaRow; kind: CounterKind })[] = [];
      for (const q of applicable) {
        if (q.tokensPerDay !== null)
          specs.push({
            quota: q,
            kind: "tokens",
            key: tokensKey(q, now),
            limit: q.tokensPerDay,
            amount: input.estimatedInputTokens + maxOut,
            ttlSeconds: DAY_TTL(now),
          });
        const budget = budgetOf(q);
        if (budget !== null)
          specs.push({
            quota: q,
            kind: "usd",
            key: usdKey(q, now),
            limit: toMicros(budget),
            amount: toMicros(estimatedCostUsd),
            ttlSeconds: MONTH_TTL(now),
          });
      }
      const reservationId = randomUUID();
      const held: HeldCounter[] = specs.map((s) => ({ key: s.key, kind: s.kind, ttl: s.ttlSeconds }));
      const record = JSON.stringify({ counters: held, providerId: input.providerId, model: input.model });
      const holdMs = deps.holdSeconds * 1000;
      let outcome;
      try {
        outcome = await counters.reserve(reservationId, specs, holdMs, record, holdMs + 86_400_000);
      } catch (err) {
        throw redisDown(err);
      }
      if (!outcome.ok) {
        const spec = specs[outcome.index]!;
        const exhausted = outcome.used + spec.amount > spec.limit;
        const tokens = spec.kind === "tokens";
        const retryAfter = !exhausted ? 1 : tokens ? secondsToDayEnd(now) : secondsToMonthEnd(now);
        const limit = tokens ? "tokensPerDay" : "budgetUsdPerMonth";
        const scale = tokens ? 1 : 1e6;
        throw tooManyRequests(
          `${tokens ? "Token" : "Budget"} quota exceeded: ${limit} of the ${describe(spec.quota)}` +
            (exhausted ? "" : " (held by calls in flight; retry shortly)"),
          retryAfter,
          {
            quota: {
              id: spec.quota.id,
              scope: spec.quota.scope,
              subjectId: spec.quota.subjectId,
              providerId: spec.quota.providerId,
              limit,
              value: spec.limit / scale,
              used: outcome.used / scale,
              reserved: outcome.held / scale,
              requested: spec.amount / scale,
            },
          },
        );
      }
      // Requests per minute last, so a call refused for budget does not use up a request slot.
      for (const q of applicable) {
        if (q.requestsPerMinute === null) continue;
        let hit;
        try {
          hit = await limiter.hit(rpmKey(q), q.requestsPerMinute);
        } catch (err) {
          await counters
            .release(
              reservationId,
              held.map((h) => h.key),
            )
            .catch(() => undefined);
          throw redisDown(err);
        }
        if (!hit.allowed) {
          await counters
            .release(
              reservationId,
              held.map((h) => h.key),
            )
            .catch(() => undefined);
          throw tooManyRequests(
            `Rate quota exceeded: requestsPerMinute of the ${describe(q)}`,
            Math.ceil(hit.retryAfterMs / 1000),
            {
              quota: {
                id: q.id,
                scope: q.scope,
                subjectId: q.subjectId,
                providerId: q.providerId,
                limit: "requestsPerMinute",
                value: q.requestsPerMinute,
                used: hit.count,
              },
            },
          );
        }
      }
      return { reservationId, estimatedCostUsd, quotaIds: applicable.map((q) => q.id) };
    },

    /** Records the call in the ledger (priced from the catalog) and settles its reservation. */
    async commit(reservationId: string, record: UsageInput | undefined): Promise<number> {
      if (!reservationId) return record ? recordUsage(record) : 0;
      let raw: string | undefined;
      try {
        raw = await counters.record(reservationId);
        // Settled before: a replayed commit must not enter the ledger twice.
        if (!raw) return 0;
      } catch (err) {
        log.error(
          { err: { message: (err as Error).message }, reservationId },
          "reservation unreadable; recording usage only",
        );
        return record ? recordUsage(record) : 0;
      }
      const cost = record ? await recordUsage(record) : 0;
      try {
        const held = (JSON.parse(raw) as { counters: HeldCounter[] }).counters;
        const tokens = record ? record.inputTokens + record.outputTokens : 0;
        await counters.commit(
          reservationId,
          held.map((h) => ({ key: h.key, amount: h.kind === "tokens" ? tokens : toMicros(cost), ttlSeconds: h.ttl })),
        );
      } catch (err) {
        log.error(
          { err: { message: (err as Error).message }, reservationId },
          "could not settle a reservation; its hold lapses",
        );
      }
      return cost;
    },

    async release(reservationId: string, record: UsageInput | undefined): Promise<void> {
      if (record) await recordUsage(record);
      if (!reservationId) return;
      try {
        const raw = await counters.record(reservationId);
        if (!raw) return;
        const held = (JSON.parse(raw) as { counters: HeldCounter[] }).counters;
        await counters.release(
          reservationId,
          held.map((h) => h.key),
        );
      } catch (err) {
        log.warn(
          { err: { message: (err as Error).message }, reservationId },
          "could not release a reservation; its hold lapses",
        );
      }
    },
  };
}

export type QuotaService = ReturnType<typeof quotaService>;
