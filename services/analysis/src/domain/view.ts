import type { Analysis, Finding } from "@crm/db";
import type { FindingsData } from "../data/findings.js";
import type { GateResult } from "./review-config.js";
import { SEVERITIES } from "./types.js";

export interface Summary {
  total: number;
  bySeverity: Record<string, number>;
  byRule: Record<string, number>;
  bySource: Record<string, number>;
  qualityGate?: GateResult;
}

/** The summary stored when the job ended, or counted now while it runs. */
export async function summaryOf(a: Analysis, findings: FindingsData): Promise<Summary> {
  if (a.summary) return a.summary as unknown as Summary;
  const counts = await findings.counts(a.id);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, counts.bySeverity[s] ?? 0]));
  return {
    total: Object.values(bySeverity).reduce((x, y) => x + y, 0),
    bySeverity,
    byRule: counts.byRule,
    bySource: counts.bySource,
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : undefined);

/** The contract's analysis resource (plus provenance, usage, gate and warnings). */
export function analysisView(a: Analysis, summary: Summary) {
  const config = a.config as { model?: string };
  const { qualityGate, ...counts } = summary;
  return {
    id: a.id,
    projectId: a.projectId,
    status: a.status,
    progress: { done: a.progressDone, total: a.progressTotal },
    summary: counts,
    qualityGate: qualityGate ?? null,
    kinds: a.kinds,
    paths: a.paths,
    diff: a.diff !== null,
    experimentId: a.experimentId,
    version: a.version,
    label: a.label,
    configSource: a.configSource,
    model: config.model ?? null,
    usage: { inputTokens: a.inputTokens, outputTokens: a.outputTokens, costUsd: a.costUsd },
    warnings: a.warnings as string[],
    ...(a.error ? { error: a.error } : {}),
    createdBy: a.createdBy,
    createdAt: a.createdAt.toISOString(),
    ...(a.startedAt ? { startedAt: iso(a.startedAt) } : {}),
    ...(a.finishedAt ? { finishedAt: iso(a.finishedAt) } : {}),
    ...(a.startedAt && a.finishedAt ? { durationMs: a.finishedAt.getTime() - a.startedAt.getTime() } : {}),
  };
}

export function findingView(f: Finding) {
  return {
    id: f.id,
    path: f.path,
    line: f.line,
    ...(f.endLine !== null ? { endLine: f.endLine } : {}),
    ...(f.column !== null ? { column: f.column } : {}),
    severity: f.severity,
    rule: f.rule,
    category: f.category,
    message: f.message,
    source: f.source,
    ...(f.suggestion !== null ? { suggestion: f.suggestion } : {}),
    provenance: {
      analyzer: f.analyzer,
      ...(f.analyzerVersion ? { analyzerVersion: f.analyzerVersion } : {}),
      ...(f.provider ? { provider: f.provider } : {}),
      ...(f.model ? { model: f.model } : {}),
      ...(f.experimentId ? { experimentId: f.experimentId } : {}),
      ...(f.version !== null ? { version: f.version } : {}),
      ...(f.requestId ? { requestId: f.requestId } : {}),
      ...(f.inputTokens !== null ? { inputTokens: f.inputTokens } : {}),
      ...(f.outputTokens !== null ? { outputTokens: f.outputTokens } : {}),
      ...(f.costUsd !== null ? { costUsd: f.costUsd } : {}),
    },
  };
}
