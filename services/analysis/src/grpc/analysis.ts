import {
  currentContext,
  decodeCursor,
  encodeCursor,
  remainingMs,
  unauthorized,
  type GrpcServiceRegistration,
} from "@crm/kit";
import type { Analyses } from "../domain/analyses.js";
import type { ProgressHub } from "../domain/events.js";
import type { Thresholds } from "../domain/review-config.js";
import { KINDS, TERMINAL, type Kind } from "../domain/types.js";
import { summaryOf } from "../domain/view.js";
import type { Analysis } from "../data/analyses.js";
import type { FindingsData } from "../data/findings.js";
import { findingCursor } from "../routes/schemas.js";

export interface GrpcDeps {
  analyses: Analyses;
  findings: FindingsData;
  hub: ProgressHub;
}

interface RunRequest {
  projectId: string;
  experimentId: string;
  version: number;
  label: string;
  kinds: string[];
  paths: string[];
  diff: string;
  thresholds: Partial<Record<keyof Thresholds, number | null>> | null;
  requestKey: string;
  userId: string;
}

const caller = () => {
  const identity = currentContext()?.identity;
  if (!identity) throw unauthorized();
  return identity;
};

function thresholdsOf(t: RunRequest["thresholds"]): Thresholds | undefined {
  if (!t) return undefined;
  const out: Thresholds = {};
  for (const key of ["maxCritical", "maxHigh", "maxMedium", "maxTotal"] as const) {
    const v = t[key];
    if (typeof v === "number") out[key] = v;
  }
  return out;
}

/** Thin gRPC over the same use cases as REST (crm.analysis.v1.AnalysisService). */
export function analysisGrpc(deps: GrpcDeps): GrpcServiceRegistration {
  const { analyses, findings, hub } = deps;
  const result = async (a: Analysis) => {
    const summary = await summaryOf(a, findings);
    return {
      id: a.id,
      projectId: a.projectId,
      status: a.status,
      progress: { done: a.progressDone, total: a.progressTotal },
      summary: {
        total: summary.total,
        bySeverity: summary.bySeverity,
        byRule: summary.byRule,
        bySource: summary.bySource,
      },
      gate: a.gate ?? "",
      error: a.error ?? "",
      experimentId: a.experimentId ?? "",
      version: a.version ?? 0,
      configSource: a.configSource,
      createdAt: a.createdAt.toISOString(),
      startedAt: a.startedAt?.toISOString() ?? "",
      finishedAt: a.finishedAt?.toISOString() ?? "",
      durationMs: a.startedAt && a.finishedAt ? a.finishedAt.getTime() - a.startedAt.getTime() : 0,
      inputTokens: a.inputTokens,
      outputTokens: a.outputTokens,
      costUsd: a.costUsd,
      warnings: a.warnings as string[],
    };
  };

  return {
    file: "crm/analysis/v1/analysis.proto",
    service: "crm.analysis.v1.AnalysisService",
    handlers: {
      async Run(req: RunRequest) {
        const kinds = req.kinds.filter((k): k is Kind => (KINDS as readonly string[]).includes(k));
        const thresholds = thresholdsOf(req.thresholds);
        const created = await analyses.create(caller(), req.projectId, {
          ...(kinds.length ? { kinds } : {}),
          ...(req.experimentId ? { experimentId: req.experimentId } : {}),
          ...(req.version ? { version: req.version } : {}),
          ...(req.label ? { label: req.label } : {}),
          ...(req.paths.length ? { paths: req.paths } : {}),
          ...(req.diff ? { diff: req.diff } : {}),
          ...(thresholds ? { thresholds } : {}),
          ...(req.requestKey ? { requestKey: req.requestKey } : {}),
          ...(req.userId ? { onBehalfOf: req.userId } : {}),
        });
        return result(created);
      },
      async GetResult(req: { id: string }) {
        return result(await analyses.visible(caller(), req.id));
      },
      async WaitForResult(req: { id: string; timeoutMs: number }) {
        const identity = caller();
        let a = await analyses.visible(identity, req.id);
        const budget = Math.min(req.timeoutMs > 0 ? req.timeoutMs : 30_000, (remainingMs() ?? 60_000) - 250);
        const until = Date.now() + Math.max(0, budget);
        while (!TERMINAL.has(a.status) && Date.now() < until) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, Math.min(500, Math.max(0, until - Date.now())));
            const unsubscribe = hub.subscribe(a.id, done);
            function done() {
              clearTimeout(timer);
              unsubscribe();
              resolve();
            }
          });
          a = await analyses.visible(identity, req.id);
        }
        return result(a);
      },
      async ListFindings(req: { id: string; limit: number; cursor: string }) {
        const a = await analyses.visible(caller(), req.id);
        const limit = Math.min(1000, req.limit > 0 ? req.limit : 500);
        const rows = await findings.list(a.id, {}, limit + 1, decodeCursor(req.cursor || undefined, findingCursor));
        const items = rows.slice(0, limit);
        const last = items[items.length - 1];
        return {
          findings: items.map((f) => ({
            id: f.id,
            path: f.path,
            line: f.line,
            endLine: f.endLine ?? 0,
            severity: f.severity,
            rule: f.rule,
            category: f.category,
            message: f.message,
            source: f.source,
            suggestion: f.suggestion ?? "",
            analyzer: f.analyzer,
            model: f.model ?? "",
          })),
          nextCursor: rows.length > limit && last ? encodeCursor([last.path, last.line, last.id]) : "",
        };
      },
    },
  };
}
