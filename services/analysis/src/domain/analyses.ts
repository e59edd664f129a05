import { randomUUID } from "node:crypto";
import picomatch from "picomatch";
import { badRequest, notFound, unavailable, type Identity, type Logger } from "@crm/kit";
import type { Prisma } from "@crm/db";
import type { ProjectClient } from "../clients/project.js";
import type { VersioningClient } from "../clients/versioning.js";
import type { Analysis, AnalysesData, NewAnalysis } from "../data/analyses.js";
import { isUniqueViolation, isUuid } from "../data/prisma.js";
import { assertProjectAccess } from "./access.js";
import { parseUnifiedDiff } from "./diff.js";
import type { JobQueue } from "./queue.js";
import { DEFAULT_THRESHOLDS, parseVersionConfig, type ReviewConfig, type Thresholds } from "./review-config.js";
import type { Runner } from "./runner.js";
import { languageOf, type Kind } from "./types.js";

export interface CreateAnalysis {
  kinds?: Kind[];
  experimentId?: string;
  version?: number;
  label?: string;
  paths?: string[];
  diff?: string;
  thresholds?: Thresholds;
  /** Makes creation idempotent (gRPC Run from the comparison service). */
  requestKey?: string;
  /** A service creating an analysis for a user. */
  onBehalfOf?: string;
}

export interface AnalysesDeps {
  analyses: AnalysesData;
  project: ProjectClient;
  versioning: VersioningClient;
  queue: JobQueue;
  runner: Runner;
  logger: Logger;
  maxFiles: number;
  maxFileBytes: number;
}

interface ResolvedConfig {
  config: ReviewConfig;
  source: "version" | "label" | "default";
  version: number | null;
  label: string | null;
}

/** Analysis use cases: create (plan + queue), read with access checks, cancel. */
export class Analyses {
  constructor(private readonly deps: AnalysesDeps) {}

  /** The analysis if the caller may read (or, with "write", change) its project; 404 otherwise. */
  async visible(identity: Identity, id: string, action: "read" | "write" = "read"): Promise<Analysis> {
    const analysis = isUuid(id) ? await this.deps.analyses.get(id) : null;
    if (!analysis) throw notFound("Analysis");
    await assertProjectAccess(this.deps.project, identity, analysis.projectId, action, "Analysis");
    return analysis;
  }

  async create(identity: Identity, projectId: string, input: CreateAnalysis): Promise<Analysis> {
    const { analyses, project } = this.deps;
    if (!isUuid(projectId)) throw notFound("Project");
    await assertProjectAccess(project, identity, projectId, "write");
    if (input.requestKey) {
      const existing = await analyses.byRequestKey(input.requestKey);
      if (existing && existing.projectId === projectId) return existing;
    }
    const resolved = await this.resolveConfig(input);
    const warnings: string[] = [];
    const files = await this.plan(projectId, input, warnings);
    const row: NewAnalysis = {
      id: randomUUID(),
      projectId,
      createdBy: identity.role === "service" && input.onBehalfOf ? input.onBehalfOf : identity.sub,
      kinds: input.kinds?.length ? [...new Set(input.kinds)] : ["static", "ai"],
      paths: input.paths ?? [],
      diff: input.diff ?? null,
      experimentId: input.experimentId ?? null,
      version: resolved.version,
      label: resolved.label,
      configSource: resolved.source,
      config: resolved.config as Prisma.InputJsonValue,
      thresholds: (input.thresholds ?? resolved.config.qualityGate ?? DEFAULT_THRESHOLDS) as Prisma.InputJsonValue,
      requestKey: input.requestKey ?? null,
      jobId: randomUUID(),
      files,
      warnings,
    };
    let created: Analysis;
    try {
      created = await analyses.create(row);
    } catch (err) {
      const raced = input.requestKey && isUniqueViolation(err) ? await analyses.byRequestKey(input.requestKey) : null;
      if (raced) return raced;
      throw err;
    }
    try {
      await this.deps.queue.enqueue(created.id, row.jobId);
    } catch (err) {
      this.deps.logger.error({ err, analysisId: created.id }, "could not queue the analysis");
      await analyses.fail(created.id, row.jobId, "could not be queued");
      throw unavailable("job-queue");
    }
    return created;
  }

  async cancel(identity: Identity, id: string): Promise<Analysis> {
    const analysis = await this.visible(identity, id, "write");
    if (await this.deps.analyses.cancel(analysis.id)) {
      this.deps.runner.abort(analysis.id);
      if (analysis.jobId) await this.deps.queue.cancel(analysis.jobId);
    }
    return (await this.deps.analyses.get(analysis.id)) ?? analysis;
  }

  /** Version > label > the experiment's `production` label > the platform default. */
  private async resolveConfig(input: CreateAnalysis): Promise<ResolvedConfig> {
    const { versioning } = this.deps;
    if (!input.experimentId) {
      if (input.version !== undefined || input.label !== undefined)
        throw badRequest("`version` and `label` need an `experimentId`");
      return { config: {}, source: "default", version: null, label: null };
    }
    if (!isUuid(input.experimentId)) throw notFound("Experiment");
    if (input.version !== undefined) {
      const v = await versioning.getVersion(input.experimentId, input.version);
      return {
        config: parseVersionConfig(v.configJson, `version ${v.version}`),
        source: "version",
        version: v.version,
        label: null,
      };
    }
    const label = input.label ?? "production";
    try {
      const v = await versioning.resolveLabel(input.experimentId, label);
      return { config: parseVersionConfig(v.configJson, `label ${label}`), source: "label", version: v.version, label };
    } catch (err) {
      // No production label yet (or no such experiment: the same 404): the platform default.
      // A label asked for by name must exist.
      if (input.label === undefined && (err as { status?: number }).status === 404)
        return { config: {}, source: "default", version: null, label: null };
      throw err;
    }
  }

  /** The files the job will review, fixed now so progress has a total from the start. */
  private async plan(projectId: string, input: CreateAnalysis, warnings: string[]): Promise<NewAnalysis["files"]> {
    const { project, maxFiles, maxFileBytes } = this.deps;
    let files: NewAnalysis["files"];
    if (input.diff !== undefined) {
      const match = input.paths?.length ? picomatch(input.paths, { dot: true }) : () => true;
      const diffs = parseUnifiedDiff(input.diff).filter((d) => match(d.path));
      const known = new Map((await project.listFiles(projectId, [])).map((f) => [f.path, f]));
      files = diffs.map((d) => {
        const f = known.get(d.path);
        return { path: d.path, fileId: f?.id ?? null, language: f?.language || null, changedLines: d.added };
      });
    } else {
      const listed = await project.listFiles(projectId, input.paths ?? []);
      const large = listed.filter((f) => f.size > maxFileBytes);
      if (large.length)
        warnings.push(`${large.length} file(s) larger than ${maxFileBytes} bytes skipped (e.g. ${large[0]!.path})`);
      files = listed
        .filter((f) => f.size <= maxFileBytes)
        .map((f) => ({ path: f.path, fileId: f.id, language: f.language || languageOf(f.path), changedLines: [] }));
    }
    if (files.length === 0)
      throw badRequest(
        input.diff !== undefined
          ? "The diff adds no lines to review"
          : "No file of the project matches; upload files or change `paths`",
      );
    if (files.length > maxFiles) throw badRequest(`${files.length} files match; at most ${maxFiles} per analysis`);
    return files;
  }
}
