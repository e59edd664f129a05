import type { PartKit } from "@crm/kit";

export interface ReviewConfigMessage {
  model: string;
  promptTemplate: string;
  temperature?: number;
  maxTokens?: number;
  rules: string[];
}

export interface ReviewCodeRequest {
  path: string;
  code: string;
  language: string;
  config: ReviewConfigMessage;
  projectId: string;
  userId: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** The answer as it arrives: findings are validated by the caller, not trusted. */
export interface ReviewCodeResponse {
  findings: unknown[];
  usage: Usage | null;
  provider: string;
  model: string;
  cacheHit: boolean;
  unparsed: boolean;
  raw: string;
}

/** The ai-orchestrator over gRPC: AI review of one piece of code. */
export interface OrchestratorClient {
  reviewCode(request: ReviewCodeRequest, timeoutMs: number): Promise<ReviewCodeResponse>;
  health(): Promise<void>;
  close(): void;
}

export function orchestratorClient(kit: PartKit, address: string): OrchestratorClient {
  const client = kit.grpcClient({
    peer: "ai-orchestrator",
    address,
    file: "crm/orchestrator/v1/orchestrator.proto",
    service: "crm.orchestrator.v1.OrchestratorService",
    // A review is repeatable (same input, same answer or a cached one), so UNAVAILABLE is retried.
    idempotent: ["ReviewCode"],
    timeoutMs: 60_000,
  });
  return {
    reviewCode: (request, timeoutMs) => client.unary<ReviewCodeResponse>("ReviewCode", request, { timeoutMs }),
    health: () => client.health(),
    close: () => client.close(),
  };
}
