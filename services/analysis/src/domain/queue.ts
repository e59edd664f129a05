import { randomUUID } from "node:crypto";
import PgBoss from "pg-boss";
import type { Logger } from "@crm/kit";
import type { AnalysesData } from "../data/analyses.js";
import { Interrupted, type Runner } from "./runner.js";

export const QUEUE = "analysis";

export interface QueueSettings {
  databaseUrl: string;
  schema: string;
  concurrency: number;
  pollIntervalMs: number;
  leaseSeconds: number;
  retries: number;
}

interface JobData {
  analysisId: string;
}

/**
 * The durable job queue (pg-boss in its own Postgres schema). pg-boss gives storage, retries with
 * backoff and exclusive fetching; on top, a lease: a running analysis whose worker stopped
 * sending heartbeats (a crashed or killed instance) is handed to a fresh job after
 * `leaseSeconds`, and only once, because the hand-over is a conditional update of its owner.
 */
export class JobQueue {
  private readonly boss: PgBoss;
  private reaper: NodeJS.Timeout | undefined;
  private started = false;

  constructor(
    private readonly settings: QueueSettings,
    private readonly analyses: AnalysesData,
    private readonly runner: Runner,
    private readonly logger: Logger,
  ) {
    this.boss = new PgBoss({
      connectionString: settings.databaseUrl,
      schema: settings.schema,
      application_name: "crm-analysis-queue",
      max: Math.min(10, settings.concurrency + 2),
      // The lease, not pg-boss's expiry, recovers crashed runs; expiry is only a last resort.
      expireInHours: 4,
      retryLimit: settings.retries,
      retryDelay: 2,
      retryBackoff: true,
      retentionDays: 7,
      deleteAfterDays: 7,
    });
    this.boss.on("error", (err) => logger.error({ err }, "job queue error"));
  }

  async start(): Promise<void> {
    await this.boss.start();
    if (!(await this.boss.getQueue(QUEUE))) {
      await this.boss.createQueue(QUEUE, { name: QUEUE, policy: "standard" }).catch(async (err: unknown) => {
        if (!(await this.boss.getQueue(QUEUE))) throw err; // another instance created it first: fine
      });
    }
    for (let i = 0; i < this.settings.concurrency; i++) {
      await this.boss.work<JobData>(
        QUEUE,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.settings.pollIntervalMs / 1000 },
        (jobs) => this.handle(jobs),
      );
    }
    this.started = true;
    const every = Math.max(1000, (this.settings.leaseSeconds * 1000) / 2);
    this.reaper = setInterval(
      () => void this.reap().catch((err: unknown) => this.logger.warn({ err }, "reaper failed")),
      every,
    );
    this.reaper.unref();
    await this.reap();
  }

  async enqueue(analysisId: string, jobId: string): Promise<void> {
    await this.boss.send(QUEUE, { analysisId } satisfies JobData, { id: jobId });
  }

  async cancel(jobId: string): Promise<void> {
    await this.boss
      .cancel(QUEUE, jobId)
      .catch((err: unknown) => this.logger.warn({ err, jobId }, "queue cancel failed"));
  }

  async health(): Promise<void> {
    await this.boss.getDb().executeSql("SELECT 1", []);
  }

  /** Stops taking jobs; running ones stop at their next file and are handed to new jobs. */
  async drain(timeoutMs: number): Promise<void> {
    if (!this.started) return;
    clearInterval(this.reaper);
    this.runner.shutdown();
    await this.boss.stop({ graceful: true, wait: true, close: true, timeout: Math.max(1000, timeoutMs) });
    this.started = false;
  }

  private async handle(jobs: PgBoss.JobWithMetadata<JobData>[]): Promise<void> {
    for (const job of jobs) {
      const lastAttempt = job.retryCount >= job.retryLimit;
      try {
        await this.runner.run(job.data.analysisId, job.id, lastAttempt);
      } catch (err) {
        if (!(err instanceof Interrupted)) throw err; // pg-boss retries it
        await this.handOver(job.data.analysisId, job.id, "running");
      }
    }
  }

  private async handOver(analysisId: string, oldJobId: string | null, status: string): Promise<void> {
    const newJobId = randomUUID();
    if (!(await this.analyses.reassign(analysisId, oldJobId, newJobId, status))) return;
    await this.enqueue(analysisId, newJobId);
    if (oldJobId) await this.cancel(oldJobId);
    this.logger.info({ analysisId, oldJobId, newJobId }, "analysis handed to a new job");
  }

  /** Finds runs whose worker is gone and queued analyses whose job is lost, and requeues them. */
  private async reap(): Promise<void> {
    const before = new Date(Date.now() - this.settings.leaseSeconds * 1000);
    for (const a of await this.analyses.stale(before)) await this.handOver(a.id, a.jobId, "running");
    for (const a of await this.analyses.waiting(before)) {
      const job = a.jobId ? await this.boss.getJobById(QUEUE, a.jobId) : null;
      if (job && ["created", "retry", "active"].includes(job.state)) continue;
      await this.handOver(a.id, a.jobId, "queued");
    }
  }
}
