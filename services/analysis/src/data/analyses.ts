import type { Analysis, AnalysisFile, Prisma } from "@crm/db";
import type { Db } from "./prisma.js";

export type { Analysis, AnalysisFile };

export interface NewAnalysis {
  id: string;
  projectId: string;
  createdBy: string;
  kinds: string[];
  paths: string[];
  diff: string | null;
  experimentId: string | null;
  version: number | null;
  label: string | null;
  configSource: string;
  config: Prisma.InputJsonValue;
  thresholds: Prisma.InputJsonValue;
  requestKey: string | null;
  jobId: string;
  files: { path: string; fileId: string | null; language: string | null; changedLines: number[] }[];
  warnings: string[];
}

const ACTIVE = ["queued", "running"];

/** Analyses and their per-file rows (the job's plan and progress). */
export function analysesData(db: Db) {
  return {
    /** The analysis and its plan in one transaction: a job never sees half a plan. */
    async create(a: NewAnalysis): Promise<Analysis> {
      const { files, warnings, ...row } = a;
      return db.$transaction(async (tx) => {
        const created = await tx.analysis.create({
          data: { ...row, status: "queued", planned: true, progressTotal: files.length, warnings },
        });
        await tx.analysisFile.createMany({ data: files.map((f) => ({ ...f, analysisId: a.id })) });
        return created;
      });
    },
    get: (id: string) => db.analysis.findUnique({ where: { id } }),
    byRequestKey: (requestKey: string) => db.analysis.findUnique({ where: { requestKey } }),
    listByProject: (projectId: string, take: number, before?: { createdAt: Date; id: string }) =>
      db.analysis.findMany({
        where: {
          projectId,
          ...(before
            ? { OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { lt: before.id } }] }
            : {}),
        },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take,
      }),
    /** The job takes the analysis: only the job that owns it, only while it is not over. */
    async claim(id: string, jobId: string): Promise<boolean> {
      const res = await db.analysis.updateMany({
        where: { id, jobId, status: { in: ACTIVE } },
        data: { status: "running", heartbeatAt: new Date(), attempts: { increment: 1 } },
      });
      if (res.count === 1)
        await db.analysis.updateMany({ where: { id, startedAt: null }, data: { startedAt: new Date() } });
      return res.count === 1;
    },
    async heartbeat(id: string, jobId: string): Promise<boolean> {
      const res = await db.analysis.updateMany({
        where: { id, jobId, status: "running" },
        data: { heartbeatAt: new Date() },
      });
      return res.count === 1;
    },
    /** Back to the queue after a transient failure (the queue retries it), keeping the progress. */
    async requeue(id: string, jobId: string, warning: string): Promise<void> {
      await db.$executeRaw`UPDATE "analysis"."analyses"
        SET "status" = 'queued', "warnings" = "warnings" || ${JSON.stringify([warning])}::jsonb, "updated_at" = now()
        WHERE "id" = ${id}::uuid AND "job_id" = ${jobId} AND "status" = 'running'`;
    },
    async fail(id: string, jobId: string, error: string): Promise<void> {
      await db.analysis.updateMany({
        where: { id, jobId, status: { in: ACTIVE } },
        data: { status: "failed", error, finishedAt: new Date() },
      });
    },
    async cancel(id: string): Promise<boolean> {
      const res = await db.analysis.updateMany({
        where: { id, status: { in: ACTIVE } },
        data: { status: "cancelled", finishedAt: new Date() },
      });
      return res.count === 1;
    },
    /** Running analyses whose worker stopped sending heartbeats. */
    stale: (before: Date) =>
      db.analysis.findMany({
        where: { status: "running", heartbeatAt: { lt: before } },
        select: { id: true, jobId: true },
        take: 100,
      }),
    /** Queued analyses old enough that their queue job should long have started or be waiting for a retry. */
    waiting: (before: Date) =>
      db.analysis.findMany({
        where: { status: "queued", updatedAt: { lt: before } },
        select: { id: true, jobId: true },
        take: 100,
      }),
    /** Hands the analysis to a new job, only if `oldJobId` still owns it (one taker wins). */
    async reassign(id: string, oldJobId: string | null, newJobId: string, status: string): Promise<boolean> {
      const res = await db.analysis.updateMany({
        where: { id, jobId: oldJobId, status },
        data: { jobId: newJobId, status: "queued" },
      });
      return res.count === 1;
    },
    pendingFiles: (analysisId: string, take: number) =>
      db.analysisFile.findMany({ where: { analysisId, status: "pending" }, orderBy: { path: "asc" }, take }),
  };
}

export type AnalysesData = ReturnType<typeof analysesData>;
