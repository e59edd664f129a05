import { currentContext, unauthorized, type GrpcServiceRegistration } from "@crm/kit";
import type { orchestrator } from "@crm/proto";
import type { ServerUnaryCall } from "@grpc/grpc-js";
import type { Caller, CompletionEngine } from "../domain/engine.js";
import { reviewCode } from "../domain/review.js";

/**
 * proto3 `optional` fields: proto-loader marks a set field in its synthetic oneof
 * (`_temperature: "temperature"`), which is how "0" is told apart from "unset".
 */
function optional<M extends object, K extends keyof M & string>(msg: M, field: K): NonNullable<M[K]> | undefined {
  const m = msg as Record<string, unknown>;
  if (`_${field}` in m) return m[`_${field}`] === field ? (m[field] as NonNullable<M[K]>) : undefined;
  const v = m[field];
  return v === null || v === undefined ? undefined : (v as NonNullable<M[K]>);
}

/** A service may call on behalf of a user (`user_id`); a user's forwarded identity is that user. */
function callerOf(userId: string, projectId: string): Caller {
  const identity = currentContext()?.identity;
  if (!identity || identity.role === "anonymous") throw unauthorized();
  const user = identity.role === "service" && userId ? userId : identity.sub;
  return { userId: user, projectId: projectId || null };
}

function cancellation(call: ServerUnaryCall<unknown, unknown>): AbortSignal {
  const ac = new AbortController();
  call.on("cancelled", () => ac.abort());
  return ac.signal;
}

export function orchestratorGrpc(engine: CompletionEngine, defaultReviewModel: string): GrpcServiceRegistration {
  return {
    file: "crm/orchestrator/v1/orchestrator.proto",
    service: "crm.orchestrator.v1.OrchestratorService",
    handlers: {
      async Complete(
        req: orchestrator.CompleteRequest__Output,
        call: ServerUnaryCall<unknown, unknown>,
      ): Promise<orchestrator.CompleteResponse> {
        const caller = callerOf(req.userId, req.projectId);
        const temperature = optional(req, "temperature");
        const maxTokens = optional(req, "maxTokens");
        const seed = optional(req, "seed");
        const { response, meta, costUsd } = await engine.complete(
          {
            model: req.model,
            messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
            ...(temperature !== undefined ? { temperature } : {}),
            ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
            ...(seed !== undefined ? { seed } : {}),
            ...(req.json ? { response_format: { type: "json_object" } } : {}),
          },
          caller,
          cancellation(call),
        );
        const choice = response.choices[0];
        return {
          id: response.id,
          content: choice?.message.content ?? "",
          finishReason: choice?.finish_reason ?? "stop",
          provider: meta.provider,
          model: meta.model,
          usage: {
            inputTokens: response.usage?.prompt_tokens ?? 0,
            outputTokens: response.usage?.completion_tokens ?? 0,
            costUsd,
          },
          cacheHit: meta.cache === "hit",
          fallbacks: meta.fallbacks,
        };
      },

      async ReviewCode(
        req: orchestrator.ReviewCodeRequest__Output,
        call: ServerUnaryCall<unknown, unknown>,
      ): Promise<orchestrator.ReviewCodeResponse> {
        const caller = callerOf(req.userId, req.projectId);
        const cfg: orchestrator.ReviewConfig__Output = req.config ?? { model: "", promptTemplate: "", rules: [] };
        const temperature = optional(cfg, "temperature");
        const maxTokens = optional(cfg, "maxTokens");
        const result = await reviewCode(
          engine,
          {
            path: req.path,
            code: req.code,
            language: req.language,
            defaultModel: defaultReviewModel,
            config: {
              model: cfg.model,
              promptTemplate: cfg.promptTemplate,
              rules: cfg.rules ?? [],
              ...(temperature !== undefined ? { temperature } : {}),
              ...(maxTokens !== undefined ? { maxTokens } : {}),
            },
          },
          caller,
          cancellation(call),
        );
        return {
          ...result,
          findings: result.findings.map((f) => ({ ...f, endLine: f.endLine ?? 0, suggestion: f.suggestion ?? "" })),
        };
      },
    },
  };
}
