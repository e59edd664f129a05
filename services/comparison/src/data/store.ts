import { Prisma, type AbTest, type Comparison, type PrismaClient } from "@crm/db";

export type Db = PrismaClient;
export type { AbTest, Comparison };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

export function comparisonsData(db: Db) {
  return {
    create: (data: Omit<Prisma.ComparisonUncheckedCreateInput, "status">) =>
      db.comparison.create({ data: { ...data, status: "running" } }),
    get: (id: string) => db.comparison.findUnique({ where: { id } }),
    running: () => db.comparison.findMany({ where: { status: "running" }, take: 1000 }),
    setAnalyses: (id: string, baselineAnalysisId: string, candidateAnalysisId: string) =>
      db.comparison.update({ where: { id }, data: { baselineAnalysisId, candidateAnalysisId } }),
    /** Ends the comparison once: only a running one changes. */
    async finish(id: string, status: "succeeded" | "failed", result: object | null, error: string | null) {
      const res = await db.comparison.updateMany({
        where: { id, status: "running" },
        data: {
          status,
          ...(result ? { result: result as Prisma.InputJsonValue } : {}),
          error,
          finishedAt: new Date(),
        },
      });
      return res.count === 1;
    },
  };
}

export function abTestsData(db: Db) {
  return {
    create: (data: Omit<Prisma.AbTestUncheckedCreateInput, "status">) =>
      db.abTest.create({ data: { ...data, status: "running" } }),
    get: (id: string) => db.abTest.findUnique({ where: { id } }),
    /** Records events; a subject's second event of a type is ignored (idempotent). */
    async record(testId: string, events: { subject: string; type: string; version: number }[]) {
      const res = await db.abEvent.createMany({
        data: events.map((e) => ({ ...e, testId })),
        skipDuplicates: true,
      });
      return res.count;
    },
    async counts(testId: string) {
      const rows = await db.abEvent.groupBy({ by: ["version", "type"], where: { testId }, _count: { _all: true } });
      return rows.map((r) => ({ version: r.version, type: r.type, count: r._count._all }));
    },
    async stop(id: string, winnerVersion: number | null, promoted: boolean) {
      const res = await db.abTest.updateMany({
        where: { id, status: "running" },
        data: { status: "stopped", winnerVersion, promoted, stoppedAt: new Date() },
      });
      return res.count === 1;
    },
  };
}

export type ComparisonsData = ReturnType<typeof comparisonsData>;
export type AbTestsData = ReturnType<typeof abTestsData>;
