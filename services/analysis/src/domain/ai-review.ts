import { randomUUID } from "node:crypto";
import { z } from "zod";
import { HttpError, runWithContext, type Logger } from "@crm/kit";
import type { OrchestratorClient, ReviewCodeResponse } from "../clients/orchestrator.js";
import { chunkFile, codeBudgetChars, type Chunk } from "./chunk.js";
import type { ReviewConfig } from "./review-config.js";
import { conceptOf } from "./static/catalog.js";
import { SEVERITIES, type FindingDraft, type SourceFile } from "./types.js";

/** One finding as a model must return it; anything else is bad output. */
export const aiFindingSchema = z.object({
  path: z.string().optional(),
  line: z.number().int().min(1),
  endLine: z.number().int().min(0).optional(),
  severity: z.enum(SEVERITIES),
  rule: z.string().min(1).max(200),
  category: z.string().max(100).optional(),
  message: z.string().min(1).max(5000),
  suggestion: z.string().max(10_000).optional(),
});
const responseSchema = z.object({ findings: z.array(aiFindingSchema) });

export interface AiReviewContext {
  projectId: string;
  userId: string;
  config: ReviewConfig;
  experimentId?: string;
  version?: number;
  defaultModel?: string;
  defaultContextWindow: number;
  timeoutMs: number;
  logger: Logger;
}

export interface AiReviewOutcome {
  findings: FindingDraft[];
  warnings: string[];
  usage: { inputTokens: number; outputTokens: number; costUsd: number };
}

/** Peer answers that end this file's AI review with a warning; anything else fails the attempt. */
const isTransient = (err: unknown) => err instanceof HttpError && (err.status >= 500 || err.status === 499);

type Attempt = { ok: true; res: ReviewCodeResponse; findings: z.infer<typeof aiFindingSchema>[] } | Bad;
type Bad = { ok: false; res: ReviewCodeResponse; findings: z.infer<typeof aiFindingSchema>[]; why: string };

function validate(res: ReviewCodeResponse): Attempt {
  if (res.unparsed) return { ok: false, res, findings: [], why: "the answer could not be read as findings" };
  const parsed = responseSchema.safeParse({ findings: res.findings.map(stripEmpty) });
  if (parsed.success) return { ok: true, res, findings: parsed.data.findings };
  // Keep what validates on its own, in case the retry is no better.
  const findings = res.findings.flatMap((f) => {
    const one = aiFindingSchema.safeParse(stripEmpty(f));
    return one.success ? [one.data] : [];
  });
  const issue = parsed.error.issues[0];
  return { ok: false, res, findings, why: `${issue?.path.join(".")}: ${issue?.message}` };
}

/** proto3 sends absent strings/ints as "" and 0; the schema wants them absent. */
function stripEmpty(f: unknown): unknown {
  if (!f || typeof f !== "object") return f;
  return Object.fromEntries(Object.entries(f).filter(([k, v]) => v !== "" && !(k === "endLine" && v === 0)));
}

/**
 * Reviews one file with the orchestrator's ReviewCode: the file is cut into chunks that fit the
 * model's context window (diff analyses send only chunks with changed lines), each answer is
 * validated against the finding schema, bad output is retried once and then becomes a warning.
 */
export async function reviewFile(
  orchestrator: OrchestratorClient,
  file: SourceFile,
  ctx: AiReviewContext,
): Promise<AiReviewOutcome> {
  const { config } = ctx;
  const maxTokens = config.maxTokens ?? 1024;
  const budget = codeBudgetChars(
    config.contextWindow ?? ctx.defaultContextWindow,
    maxTokens,
    (config.promptTemplate ?? "").length + 2000,
  );
  let chunks = chunkFile(file.content, budget);
  const changed = file.changedLines;
  if (changed) chunks = chunks.filter((c) => [...changed].some((line) => line >= c.startLine && line <= c.endLine));
  const outcome: AiReviewOutcome = {
    findings: [],
    warnings: [],
    usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
  };
  for (const chunk of chunks) await reviewChunk(orchestrator, file, chunk, ctx, outcome);
  return outcome;
}

async function reviewChunk(
  orchestrator: OrchestratorClient,
  file: SourceFile,
  chunk: Chunk,
  ctx: AiReviewContext,
  outcome: AiReviewOutcome,
): Promise<void> {
  const where = chunks(file, chunk);
  const request = {
    path: file.path,
    code: chunk.code,
    language: file.language,
    config: {
      model: ctx.config.model ?? ctx.defaultModel ?? "",
      promptTemplate: ctx.config.promptTemplate ?? "",
      ...(ctx.config.temperature !== undefined ? { temperature: ctx.config.temperature } : {}),
      ...(ctx.config.maxTokens !== undefined ? { maxTokens: ctx.config.maxTokens } : {}),
      rules: ctx.config.aiRules ?? [],
    },
    projectId: ctx.projectId,
    userId: ctx.userId,
  };
  let attempt: Attempt | undefined;
  let requestId = "";
  for (let round = 0; round < 2; round++) {
    requestId = randomUUID();
    let res: ReviewCodeResponse;
    try {
      // Each call gets its own request id: it is the finding's provenance in the orchestrator's logs.
      res = await runWithContext({ requestId }, () => orchestrator.reviewCode(request, ctx.timeoutMs));
    } catch (err) {
      if (isTransient(err)) throw err;
      outcome.warnings.push(`${where}: AI review refused: ${(err as Error).message}`);
      return;
    }
    const usage = res.usage ?? { inputTokens: 0, outputTokens: 0, costUsd: 0 };
    outcome.usage.inputTokens += usage.inputTokens;
    outcome.usage.outputTokens += usage.outputTokens;
    outcome.usage.costUsd += usage.costUsd;
    attempt = validate(res);
    if (attempt.ok) break;
    ctx.logger.warn({ path: file.path, requestId, why: attempt.why, round }, "model output rejected");
  }
  if (!attempt) return;
  if (!attempt.ok) outcome.warnings.push(`${where}: model output rejected twice (${attempt.why})`);
  const usage = attempt.res.usage ?? { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  const lines = chunk.endLine - chunk.startLine + 1;
  let outside = 0;
  for (const f of attempt.findings) {
    // The model saw the chunk alone: its line 1 is the chunk's first line.
    if (f.line > lines) {
      outside++;
      continue;
    }
    const line = f.line + chunk.startLine - 1;
    const endLine = f.endLine && f.endLine > f.line ? Math.min(f.endLine, lines) + chunk.startLine - 1 : undefined;
    outcome.findings.push({
      path: file.path,
      line,
      ...(endLine && endLine > line ? { endLine } : {}),
      severity: f.severity,
      rule: f.rule,
      category: f.category || f.rule.split("/")[0] || "ai",
      message: f.message,
      source: "ai",
      ...(f.suggestion ? { suggestion: f.suggestion } : {}),
      analyzer: "ai-orchestrator",
      provider: attempt.res.provider,
      model: attempt.res.model,
      ...(ctx.experimentId ? { experimentId: ctx.experimentId } : {}),
      ...(ctx.version ? { version: ctx.version } : {}),
      requestId,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      costUsd: usage.costUsd,
      concept: conceptOf(f.rule),
    });
  }
  if (outside) outcome.warnings.push(`${where}: ${outside} AI finding(s) pointed past the code sent and were dropped`);
}

const chunks = (file: SourceFile, chunk: Chunk) => `${file.path}:${chunk.startLine}-${chunk.endLine}`;
