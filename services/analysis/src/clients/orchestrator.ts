import type { PartKit } from "@crm/kit";
import type { orchestrator } from "@crm/proto";

/**
 * The answer as it arrives. Findings stay `unknown`: what a model put in them is validated by
 * the caller (ai-review.ts), not trusted because the message decoded.
 */
export type ReviewCodeResponse = Omit<orchestrator.ReviewCodeResponse__Output, "findings"> & { findings: unknown[] };

/** The ai-orchestrator over gRPC: AI review of one piece of code. */
export interface OrchestratorClient {
  reviewCode(request: orchestrator.ReviewCodeRequest, timeoutMs: number): Promise<ReviewCodeResponse>;
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
