import { Prisma, type PrismaClient, type Quota } from "@crm/db";

export type QuotaRow = Quota;

export interface QuotaLimits {
  requestsPerMinute: number | null;
  tokensPerDay: number | null;
  budgetUsdPerMonth: number | null;
}

export interface QuotaSubject {
  scope: "global" | "user" | "project";
  subjectId: string | null;
  providerId: string | null;
}

export const quotaKey = (q: QuotaSubject) => `${q.scope}:${q.subjectId ?? "*"}:${q.providerId ?? "*"}`;

export function quotaStore(prisma: PrismaClient) {
  return {
    upsert(subject: QuotaSubject, limits: QuotaLimits): Promise<QuotaRow> {
      const data = {
        requestsPerMinute: limits.requestsPerMinute,
        tokensPerDay: limits.tokensPerDay,
        budgetUsdPerMonth: limits.budgetUsdPerMonth === null ? null : new Prisma.Decimal(limits.budgetUsdPerMonth),
      };
      return prisma.quota.upsert({
        where: { key: quotaKey(subject) },
        create: { key: quotaKey(subject), ...subject, ...data },
        update: data,
      });
    },
    all: () => prisma.quota.findMany({ orderBy: [{ scope: "asc" }, { createdAt: "asc" }] }),
    async remove(id: string): Promise<boolean> {
      const { count } = await prisma.quota.deleteMany({ where: { id } });
      return count > 0;
    },
    /** Quotas that count a call by `userId` (in `projectId`) to `providerId`. */
    applicable(userId: string, projectId: string | null, providerId: string | null) {
      const provider = { OR: [{ providerId: null }, ...(providerId ? [{ providerId }] : [])] };
      const subjects: Prisma.QuotaWhereInput[] = [
        { scope: "global" },
        { scope: "user", subjectId: userId },
        ...(projectId ? [{ scope: "project", subjectId: projectId }] : []),
      ];
      return prisma.quota.findMany({ where: { AND: [{ OR: subjects }, provider] }, orderBy: { createdAt: "asc" } });
    },
    /** What a member may see: global quotas and their own. */
    forUser: (userId: string) =>
      prisma.quota.findMany({
        where: { OR: [{ scope: "global" }, { scope: "user", subjectId: userId }] },
        orderBy: [{ scope: "asc" }, { createdAt: "asc" }],
      }),
  };
}

export type QuotaStore = ReturnType<typeof quotaStore>;
