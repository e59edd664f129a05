import type { PartKit } from "@crm/kit";

export interface AnalysisResult {
  id: string;
  projectId: string;
  status: string;
  progress: { done: number; total: number };
  summary: { total: number; bySeverity: Record<string, number>; byRule: Record<string, number> } | null;
  gate: string;
  error: string;
  version: number;
  durationMs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface RemoteFinding {
  id: string;
  path: string;
  line: number;
  endLine: number;
  severity: string;
  rule: string;
  category: string;
  source: string;
}

export interface RunInput {
  projectId: string;
  experimentId: string;
  version: number;
  paths: string[];
  requestKey: string;
  userId: string;
}

/** The analysis service over gRPC (its breaker and deadlines inside the kit client). */
export interface AnalysisClient {
  run(input: RunInput): Promise<AnalysisResult>;
  wait(id: string, timeoutMs: number): Promise<AnalysisResult>;
  findings(id: string): Promise<RemoteFinding[]>;
  health(): Promise<void>;
  close(): void;
}

export function analysisClient(kit: PartKit, address: string): AnalysisClient {
  const client = kit.grpcClient({
    peer: "analysis",
    address,
    file: "crm/analysis/v1/analysis.proto",
    service: "crm.analysis.v1.AnalysisService",
    // Run is idempotent through its request key; the others only read.
    idempotent: ["Run", "GetResult", "WaitForResult", "ListFindings"],
    timeoutMs: 15_000,
    groups: { WaitForResult: "wait" },
  });
  return {
    run: (input) => client.unary<AnalysisResult>("Run", input),
    wait: (id, timeoutMs) =>
      client.unary<AnalysisResult>("WaitForResult", { id, timeoutMs }, { timeoutMs: timeoutMs + 5000 }),
    async findings(id) {
      const out: RemoteFinding[] = [];
      let cursor = "";
      do {
        const page = await client.unary<{ findings: RemoteFinding[]; nextCursor: string }>("ListFindings", {
          id,
          limit: 1000,
          cursor,
        });
        out.push(...page.findings);
        cursor = page.nextCursor;
      } while (cursor);
      return out;
    },
    health: () => client.health(),
    close: () => client.close(),
  };
}
