import { HttpError, type Logger } from "@crm/kit";
import type { OrchestratorClient } from "../clients/orchestrator.js";
import type { FileContent, ProjectClient } from "../clients/project.js";
import type { Analysis, AnalysesData, AnalysisFile } from "../data/analyses.js";
import { NotOwnerError, type FileResult, type FindingsData } from "../data/findings.js";
import { reviewFile } from "./ai-review.js";
import { agreesWithDiff, parseUnifiedDiff, type DiffFile } from "./diff.js";
import type { ProgressHub } from "./events.js";
import { dedupeAgainstStatic, fingerprint, touchesChangedLines, withinFile } from "./findings.js";
import { evaluateGate, staticSelection, type ReviewConfig, type Thresholds } from "./review-config.js";
import { runStatic, selectRules } from "./static/index.js";
import {
  SEVERITIES,
  SEVERITY_RANK,
  TERMINAL,
  languageOf,
  lineCount,
  type FindingDraft,
  type SourceFile,
} from "./types.js";

export interface RunnerSettings {
  leaseSeconds: number;
  maxFileBytes: number;
  defaultModel?: string;
  defaultContextWindow: number;
  aiTimeoutMs: number;
}

export interface RunnerDeps {
  analyses: AnalysesData;
  findings: FindingsData;
  project: ProjectClient;
  orchestrator: OrchestratorClient;
  hub: ProgressHub;
  logger: Logger;
  settings: RunnerSettings;
}

/** The instance is shutting down: the job stops between two files and is handed to a new job. */
export class Interrupted extends Error {
  constructor() {
    super("interrupted by shutdown");
  }
}

/** Failures worth another attempt: a peer that is down, slow or overloaded. */
export const isTransient = (err: unknown) =>
  err instanceof HttpError ? err.status >= 500 || err.status === 499 : !(err instanceof NotOwnerError);

const BATCH = 20;

const atLeast = (f: FindingDraft, min: keyof typeof SEVERITY_RANK | undefined) =>
  !min || SEVERITY_RANK[f.severity] >= SEVERITY_RANK[min];

/**
 * Runs one analysis job: reviews its pending files one by one, each committed with its findings
 * in one transaction, then writes the summary and the quality gate. Safe to run again after a
 * crash (only pending files are reviewed) and never writes once the job lost the analysis.
 */
export class Runner {
  private readonly controllers = new Map<string, AbortController>();
  private stopping = false;

  constructor(private readonly deps: RunnerDeps) {}

  /** Stops every running job at its next file boundary (they are handed to new jobs). */
  shutdown(): void {
    this.stopping = true;
  }

  /** Cancels the job of this analysis if it runs here (other instances notice at their next file). */
  abort(analysisId: string): void {
    this.controllers.get(analysisId)?.abort(new NotOwnerError(analysisId));
  }

  async run(analysisId: string, jobId: string, lastAttempt: boolean): Promise<void> {
    const { analyses, hub, logger, settings } = this.deps;
    const analysis = await analyses.get(analysisId);
    if (!analysis || TERMINAL.has(analysis.status) || analysis.jobId !== jobId) return;
    if (!(await analyses.claim(analysisId, jobId))) return;
    hub.changed(analysisId);
    const controller = new AbortController();
    this.controllers.set(analysisId, controller);
    const beat = setInterval(
      () =>
        void analyses.heartbeat(analysisId, jobId).then(
          (owned) => owned || controller.abort(new NotOwnerError(analysisId)),
          (err: unknown) => logger.warn({ err, analysisId }, "heartbeat failed"),
        ),
      Math.max(500, (settings.leaseSeconds * 1000) / 3),
    );
    try {
      await this.process(analysis, jobId, controller.signal);
      await this.finish(analysis, jobId);
    } catch (err) {
      if (err instanceof NotOwnerError) return;
      if (err instanceof Interrupted) throw err;
      const message = err instanceof HttpError ? err.message : "internal error";
      if (!(err instanceof HttpError) || err.status >= 500)
        logger.error({ err, analysisId }, "analysis attempt failed");
      if (isTransient(err) && !lastAttempt) {
        await analyses.requeue(analysisId, jobId, `attempt failed and will be retried: ${message}`);
        throw err;
      }
      await analyses.fail(analysisId, jobId, message);
    } finally {
      clearInterval(beat);
      this.controllers.delete(analysisId);
      hub.changed(analysisId);
    }
  }

  private async process(a: Analysis, jobId: string, signal: AbortSignal): Promise<void> {
    const { analyses, findings, hub } = this.deps;
    const config = a.config as ReviewConfig;
    const selection = staticSelection(config);
    const enabled = selection.enabled ? selectRules(selection.patterns) : new Set<string>();
    const diffs = a.diff ? new Map(parseUnifiedDiff(a.diff).map((d) => [d.path, d])) : undefined;
    for (;;) {
      const batch = await analyses.pendingFiles(a.id, BATCH);
      if (batch.length === 0) return;
      const contents = await this.contents(a.projectId, batch);
      for (const row of batch) {
        if (signal.aborted) throw signal.reason;
        if (this.stopping) throw new Interrupted();
        const result = await this.reviewOne(a, row, contents, diffs?.get(row.path), enabled, config);
        await findings.commitFile(a.id, jobId, result);
        hub.changed(a.id);
      }
    }
  }

  /** Contents by file id; a file deleted since planning is just missing (one call per file then). */
  private async contents(projectId: string, batch: AnalysisFile[]): Promise<Map<string, FileContent>> {
    const ids = batch.flatMap((f) => (f.fileId ? [f.fileId] : []));
    const byId = new Map<string, FileContent>();
    try {
      for (const c of await this.deps.project.getFiles(projectId, ids)) byId.set(c.file.id, c);
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 404) throw err;
      for (const id of ids) {
        const one = await this.deps.project.getFiles(projectId, [id]).catch((e: unknown) => {
          if (e instanceof HttpError && e.status === 404) return [];
          throw e;
        });
        for (const c of one) byId.set(c.file.id, c);
      }
    }
    return byId;
  }

  private async reviewOne(
    a: Analysis,
    row: AnalysisFile,
    contents: Map<string, FileContent>,
    diff: DiffFile | undefined,
    enabled: ReadonlySet<string>,
    config: ReviewConfig,
  ): Promise<FileResult> {
    const { settings, orchestrator, logger } = this.deps;
    const empty = (warning: string): FileResult => ({
      path: row.path,
      findings: [],
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
      metrics: null,
      warnings: [warning],
    });
    let content = row.fileId ? contents.get(row.fileId)?.content : undefined;
    let partial = false;
    // A diff is reviewed against the project's file only when that file is the diff's new side.
    if (diff && (content === undefined || !agreesWithDiff(content, diff))) {
      content = diff.reconstructed;
      partial = true;
    }
    if (content === undefined) return empty(`${row.path}: no longer in the project; skipped`);
    if (content.includes("\u0000")) return empty(`${row.path}: binary file; skipped`);
    if (Buffer.byteLength(content) > settings.maxFileBytes)
      return empty(`${row.path}: larger than ${settings.maxFileBytes} bytes; skipped`);
    const changed = a.diff ? new Set(row.changedLines) : undefined;
    const file: SourceFile = {
      path: row.path,
      content,
      language: languageOf(row.path, row.language ?? undefined),
      ...(changed ? { changedLines: changed } : {}),
      ...(partial ? { partial } : {}),
    };
    const warnings: string[] = [];
    const selection = staticSelection(config);
    const statics =
      a.kinds.includes("static") && enabled.size > 0
        ? await runStatic(file, enabled)
        : { findings: [], metrics: null, warnings: [] };
    if (selection.minSeverity) statics.findings = statics.findings.filter((f) => atLeast(f, selection.minSeverity));
    warnings.push(...statics.warnings);
    let ai: FindingDraft[] = [];
    let usage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
    if (a.kinds.includes("ai")) {
      const outcome = await reviewFile(orchestrator, file, {
        projectId: a.projectId,
        userId: a.createdBy,
        config,
        ...(a.experimentId ? { experimentId: a.experimentId } : {}),
        ...(a.version ? { version: a.version } : {}),
        ...(settings.defaultModel ? { defaultModel: settings.defaultModel } : {}),
        defaultContextWindow: settings.defaultContextWindow,
        timeoutMs: settings.aiTimeoutMs,
        logger,
      });
      ai = dedupeAgainstStatic(outcome.findings, statics.findings).kept;
      usage = outcome.usage;
      warnings.push(...outcome.warnings);
    }
    let all = [...statics.findings, ...ai];
    if (config.minSeverity) all = all.filter((f) => atLeast(f, config.minSeverity));
    if (changed) all = all.filter((f) => touchesChangedLines(f, changed));
    const { valid, invalid } = withinFile(all, lineCount(content));
    if (invalid) warnings.push(`${row.path}: ${invalid} finding(s) pointed outside the file and were dropped`);
    const unique = new Map(valid.map((f) => [fingerprint(f), f]));
    return {
      path: row.path,
      findings: [...unique].map(([print, f]) => ({ ...f, fingerprint: print })),
      usage,
      metrics: statics.metrics ? { ...statics.metrics } : null,
      warnings,
    };
  }

  private async finish(a: Analysis, jobId: string): Promise<void> {
    const counts = await this.deps.findings.counts(a.id);
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, counts.bySeverity[s] ?? 0]));
    const total = Object.values(bySeverity).reduce((x, y) => x + y, 0);
    const gate = evaluateGate(bySeverity, a.thresholds as Thresholds);
    const summary = { total, bySeverity, byRule: counts.byRule, bySource: counts.bySource, qualityGate: gate };
    if (!(await this.deps.findings.finish(a.id, jobId, summary, gate.status))) throw new NotOwnerError(a.id);
  }
}
