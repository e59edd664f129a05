import { HttpError, notFound, runWithContext, type Identity, type Logger } from "@crm/kit";
import type { AnalysisClient, AnalysisResult, RemoteFinding } from "../clients/analysis.js";
import type { VersioningClient } from "../clients/versioning.js";
import { isUuid, type Comparison, type ComparisonsData } from "../data/store.js";
import type { Access } from "./access.js";
import { overlap } from "./overlap.js";

export interface CreateComparison {
  experimentId: string;
  baselineVersion: number;
  candidateVersion: number;
  projectId: string;
  paths?: string[];
  lineTolerance?: number;
}

export interface ComparisonsDeps {
  store: ComparisonsData;
  analysis: AnalysisClient;
  versioning: VersioningClient;
  access: Access;
  logger: Logger;
  lineTolerance: number;
  timeoutMs: number;
}

const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const transient = (err: unknown) => !(err instanceof HttpError) || err.status >= 500;

/**
 * Offline comparisons: the same files analysed with two versions of one experiment (two
 * analyses through gRPC), then per-variant numbers and how their findings overlap. The work runs
 * in the background, survives a restart (it resumes; the analyses' request keys keep it from
 * starting them twice) and ends once.
 */
export class Comparisons {
  private readonly inflight = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: ComparisonsDeps) {}

  async create(identity: Identity, input: CreateComparison): Promise<Comparison> {
    const { access, versioning, store } = this.deps;
    if (!isUuid(input.projectId)) throw notFound("Project");
    if (!isUuid(input.experimentId)) throw notFound("Experiment");
    await access.forProject(identity, input.projectId, "write", "Project");
    // Both versions must exist and be visible to the caller (asked as the caller).
    await versioning.getVersion(input.experimentId, input.baselineVersion);
    await versioning.getVersion(input.experimentId, input.candidateVersion);
    const row = await store.create({
      projectId: input.projectId,
      experimentId: input.experimentId,
      baselineVersion: input.baselineVersion,
      candidateVersion: input.candidateVersion,
      paths: input.paths ?? [],
      lineTolerance: input.lineTolerance ?? this.deps.lineTolerance,
      createdBy: identity.sub,
    });
    this.start(row);
    return row;
  }

  async visible(identity: Identity, id: string): Promise<Comparison> {
    const row = isUuid(id) ? await this.deps.store.get(id) : null;
    if (!row) throw notFound("Comparison");
    await this.deps.access.forProject(identity, row.projectId, "read", "Comparison");
    return row;
  }

  /** Picks up comparisons a previous instance left running. */
  async resume(): Promise<void> {
    for (const row of await this.deps.store.running()) this.start(row);
  }

  /** Stops waiting: running comparisons stay `running` and are resumed by the next start. */
  stop(): void {
    this.stopped = true;
  }

  private start(row: Comparison): void {
    if (this.inflight.has(row.id)) return;
    // Background work acts as this service for the user who asked (the analysis service honours user_id).
    const work = runWithContext({ requestId: `comparison-${row.id}` }, () => this.execute(row))
      .catch((err: unknown) => this.deps.logger.error({ err, comparisonId: row.id }, "comparison failed"))
      .finally(() => this.inflight.delete(row.id));
    this.inflight.set(row.id, work);
  }

  private async execute(row: Comparison): Promise<void> {
    const { analysis, store, timeoutMs } = this.deps;
    const deadline = row.createdAt.getTime() + timeoutMs;
    const retrying = async <T>(fn: () => Promise<T>): Promise<T> => {
      for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
        try {
          return await fn();
        } catch (err) {
          if (!transient(err) || Date.now() + delay > deadline || this.stopped) throw err;
          await sleep(delay);
        }
      }
    };
    try {
      const run = (variant: "baseline" | "candidate", version: number) =>
        retrying(() =>
          analysis.run({
            projectId: row.projectId,
            experimentId: row.experimentId,
            version,
            paths: row.paths,
            requestKey: `comparison:${row.id}:${variant}`,
            userId: row.createdBy,
          }),
        );
      let [baseline, candidate] = await Promise.all([
        run("baseline", row.baselineVersion),
        run("candidate", row.candidateVersion),
      ]);
      await store.setAnalyses(row.id, baseline.id, candidate.id);
      while (!TERMINAL.has(baseline.status) || !TERMINAL.has(candidate.status)) {
        if (this.stopped) return; // another instance (or this one, restarted) resumes it
        if (Date.now() > deadline) throw new HttpError(504, "The analyses did not finish in time");
        const wait = (r: AnalysisResult) =>
          TERMINAL.has(r.status) ? Promise.resolve(r) : retrying(() => analysis.wait(r.id, 20_000));
        [baseline, candidate] = await Promise.all([wait(baseline), wait(candidate)]);
      }
      const failed = [baseline, candidate].find((r) => r.status !== "succeeded");
      if (failed)
        throw new HttpError(502, `Analysis ${failed.id} ${failed.status}${failed.error ? `: ${failed.error}` : ""}`);
      const [bf, cf] = await Promise.all([
        retrying(() => analysis.findings(baseline.id)),
        retrying(() => analysis.findings(candidate.id)),
      ]);
      const result = {
        variants: [variantOf(row.baselineVersion, baseline, bf), variantOf(row.candidateVersion, candidate, cf)],
        overlap: overlap(bf, cf, row.lineTolerance),
      };
      await store.finish(row.id, "succeeded", result, null);
    } catch (err) {
      if (this.stopped) return; // shutting down: the next start resumes it
      const message = err instanceof HttpError ? err.message : "internal error";
      if (!(err instanceof HttpError)) this.deps.logger.error({ err, comparisonId: row.id }, "comparison crashed");
      await store.finish(row.id, "failed", null, message);
    }
  }
}

function variantOf(version: number, r: AnalysisResult, findings: RemoteFinding[]) {
  return {
    version,
    analysisId: r.id,
    status: r.status,
    findings: findings.length,
    bySeverity: r.summary?.bySeverity ?? {},
    gate: r.gate || null,
    durationMs: r.durationMs,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    costUsd: r.costUsd,
  };
}

export function comparisonView(c: Comparison) {
  const result = c.result as { variants: unknown[]; overlap: unknown } | null;
  return {
    id: c.id,
    status: c.status,
    projectId: c.projectId,
    experimentId: c.experimentId,
    baselineVersion: c.baselineVersion,
    candidateVersion: c.candidateVersion,
    paths: c.paths,
    lineTolerance: c.lineTolerance,
    variants: result?.variants ?? [
      { version: c.baselineVersion, analysisId: c.baselineAnalysisId },
      { version: c.candidateVersion, analysisId: c.candidateAnalysisId },
    ],
    overlap: result?.overlap ?? null,
    ...(c.error ? { error: c.error } : {}),
    createdAt: c.createdAt.toISOString(),
    ...(c.finishedAt ? { finishedAt: c.finishedAt.toISOString() } : {}),
  };
}
