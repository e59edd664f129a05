import type { Finding, Prisma } from "@crm/db";
import type { FindingDraft } from "../domain/types.js";
import type { Db } from "./prisma.js";

export type { Finding };

/** The job no longer owns the analysis (cancelled, or handed to another worker): nothing is written. */
export class NotOwnerError extends Error {
  constructor(readonly analysisId: string) {
    super(`analysis ${analysisId} is no longer owned by this job`);
  }
}

export interface FileResult {
  path: string;
  findings: (FindingDraft & { fingerprint: string })[];
  usage: { inputTokens: number; outputTokens: number; costUsd: number };
  metrics: Prisma.InputJsonValue | null;
  warnings: string[];
}

export interface FindingFilter {
  severity?: string[];
  path?: string;
  pathPrefix?: string;
}

export type FindingCursor = [path: string, line: number, id: string];

export function findingsData(db: Db) {
  return {
    /**
     * A file's findings, its done mark and the analysis's progress in one transaction, guarded by
     * ownership: after a crash a file is either fully recorded or not at all, and the unique
     * fingerprint makes even a second writer harmless.
     */
    async commitFile(analysisId: string, jobId: string, r: FileResult): Promise<void> {
      await db.$transaction(async (tx) => {
        const owner = await tx.$executeRaw`UPDATE "analysis"."analyses" SET
            "progress_done" = "progress_done" + 1,
            "input_tokens" = "input_tokens" + ${r.usage.inputTokens},
            "output_tokens" = "output_tokens" + ${r.usage.outputTokens},
            "cost_usd" = "cost_usd" + ${r.usage.costUsd},
            "warnings" = "warnings" || ${JSON.stringify(r.warnings)}::jsonb,
            "heartbeat_at" = now(), "updated_at" = now()
          WHERE "id" = ${analysisId}::uuid AND "job_id" = ${jobId} AND "status" = 'running'`;
        if (owner !== 1) throw new NotOwnerError(analysisId);
        const file = await tx.analysisFile.updateMany({
          where: { analysisId, path: r.path, status: "pending" },
          data: {
            status: "done",
            findings: r.findings.length,
            ...(r.metrics !== null ? { metrics: r.metrics } : {}),
          },
        });
        if (file.count !== 1) throw new NotOwnerError(analysisId);
        if (r.findings.length)
          await tx.finding.createMany({
            data: r.findings.map(({ concept: _c, ...f }) => ({ ...f, analysisId })),
            skipDuplicates: true,
          });
      });
    },
    list(analysisId: string, filter: FindingFilter, take: number, after?: FindingCursor) {
      const where: Prisma.FindingWhereInput = {
        analysisId,
        ...(filter.severity?.length ? { severity: { in: filter.severity } } : {}),
        ...(filter.path ? { path: filter.path } : {}),
        ...(filter.pathPrefix ? { path: { startsWith: filter.pathPrefix } } : {}),
      };
      const cursor: Prisma.FindingWhereInput | undefined = after
        ? {
            OR: [
              { path: { gt: after[0] } },
              { path: after[0], line: { gt: after[1] } },
              { path: after[0], line: after[1], id: { gt: after[2] } },
            ],
          }
        : undefined;
      return db.finding.findMany({
        where: cursor ? { AND: [where, cursor] } : where,
        orderBy: [{ path: "asc" }, { line: "asc" }, { id: "asc" }],
        take,
      });
    },
    async counts(analysisId: string) {
      const [bySeverity, byRule, bySource] = await Promise.all([
        db.finding.groupBy({ by: ["severity"], where: { analysisId }, _count: { _all: true } }),
        db.finding.groupBy({ by: ["rule"], where: { analysisId }, _count: { _all: true } }),
        db.finding.groupBy({ by: ["source"], where: { analysisId }, _count: { _all: true } }),
      ]);
      return {
        bySeverity: Object.fromEntries(bySeverity.map((g) => [g.severity, g._count._all])),
        byRule: Object.fromEntries(byRule.map((g) => [g.rule, g._count._all])),
        bySource: Object.fromEntries(bySource.map((g) => [g.source, g._count._all])),
      };
    },
    /** Ends the analysis with its summary, if this job still owns it. */
    async finish(analysisId: string, jobId: string, summary: object, gate: string): Promise<boolean> {
      const res = await db.analysis.updateMany({
        where: { id: analysisId, jobId, status: "running" },
        data: { status: "succeeded", summary: summary as Prisma.InputJsonValue, gate, finishedAt: new Date() },
      });
      return res.count === 1;
    },
  };
}

export type FindingsData = ReturnType<typeof findingsData>;
