import { Prisma, type PrismaClient, type Provider } from "@crm/db";

export type ProviderRow = Provider;

export interface ModelEntry {
  id: string;
  inputCostPer1k: number;
  outputCostPer1k: number;
  contextWindow?: number;
}

export interface NewProviderRow {
  id: string;
  name: string;
  kind: string;
  baseUrl: string | null;
  apiKeyCiphertext: string | null;
  apiKeyKeyId: string | null;
  apiKeyLast4: string | null;
  models: ModelEntry[];
  enabled: boolean;
}

export type ProviderPatch = Partial<Omit<NewProviderRow, "id">>;

const isUniqueViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
const isNotFound = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2025";

/** Prisma access to provider.providers. Returns undefined/"duplicate" instead of throwing for expected cases. */
export function providerStore(prisma: PrismaClient) {
  const toData = (p: ProviderPatch) => {
    const { models, ...rest } = p;
    return { ...rest, ...(models ? { models: models as unknown as Prisma.InputJsonValue } : {}) };
  };
  return {
    async create(row: NewProviderRow): Promise<ProviderRow | "duplicate"> {
      try {
        return await prisma.provider.create({
          data: {
            ...toData(row),
            id: row.id,
            name: row.name,
            kind: row.kind,
            models: row.models as unknown as Prisma.InputJsonValue,
          },
        });
      } catch (err) {
        if (isUniqueViolation(err)) return "duplicate";
        throw err;
      }
    },
    get: async (id: string): Promise<ProviderRow | undefined> =>
      (await prisma.provider.findUnique({ where: { id } })) ?? undefined,
    /** Ordered by creation, the default priority when a model id (not a route) is requested. */
    list: (
      opts: { limit?: number; after?: { createdAt: Date; id: string }; enabledOnly?: boolean } = {},
    ): Promise<ProviderRow[]> =>
      prisma.provider.findMany({
        where: {
          ...(opts.enabledOnly ? { enabled: true } : {}),
          ...(opts.after
            ? {
                OR: [
                  { createdAt: { gt: opts.after.createdAt } },
                  { createdAt: opts.after.createdAt, id: { gt: opts.after.id } },
                ],
              }
            : {}),
        },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        ...(opts.limit ? { take: opts.limit } : {}),
      }),
    async update(id: string, patch: ProviderPatch): Promise<ProviderRow | undefined | "duplicate"> {
      try {
        return await prisma.provider.update({ where: { id }, data: toData(patch) });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (isUniqueViolation(err)) return "duplicate";
        throw err;
      }
    },
    async remove(id: string): Promise<boolean> {
      const { count } = await prisma.provider.deleteMany({ where: { id } });
      return count > 0;
    },
    /** Rows whose key was encrypted with another key than `keyId` (re-encryption candidates). */
    withOtherKey: (keyId: string): Promise<ProviderRow[]> =>
      prisma.provider.findMany({ where: { apiKeyCiphertext: { not: null }, NOT: { apiKeyKeyId: keyId } } }),
    /** Compare-and-set, so a concurrent key change is never overwritten by a re-encryption. */
    async swapCiphertext(id: string, from: string, to: string, keyId: string): Promise<boolean> {
      const { count } = await prisma.provider.updateMany({
        where: { id, apiKeyCiphertext: from },
        data: { apiKeyCiphertext: to, apiKeyKeyId: keyId },
      });
      return count > 0;
    },
  };
}

export type ProviderStore = ReturnType<typeof providerStore>;
