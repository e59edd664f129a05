import assert from "node:assert/strict";
import { test } from "node:test";
import { createLogger } from "@crm/kit";
import type { OrchestratorClient, ReviewCodeResponse } from "../clients/orchestrator.js";
import { reviewFile } from "./ai-review.js";

// A scripted stand-in for the orchestrator's gRPC client: the real one cannot be made to answer
// badly on demand (its offline reviewer always answers well), and this is what is under test.
function scripted(answers: Partial<ReviewCodeResponse>[]): OrchestratorClient & { calls: number } {
  const client = {
    calls: 0,
    async reviewCode() {
      const answer = answers[Math.min(client.calls++, answers.length - 1)]!;
      return {
        findings: [],
        usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.001 },
        provider: "p",
        model: "m",
        cacheHit: false,
        unparsed: false,
        raw: "",
        ...answer,
      };
    },
    health: async () => undefined,
    close: () => undefined,
  };
  return client;
}

const ctx = {
  projectId: "p",
  userId: "u",
  config: {},
  defaultContextWindow: 8192,
  timeoutMs: 1000,
  logger: createLogger({ name: "t", level: "silent" }),
};
const file = { path: "a.py", content: "x = 1\ny = 2\nz = 3\n", language: "python" };
const good = {
  path: "a.py",
  line: 2,
  endLine: 0,
  severity: "low",
  rule: "style/x",
  category: "style",
  message: "m",
  suggestion: "",
};

test("bad output is retried once; a good second answer is used without a warning", async () => {
  const client = scripted([{ unparsed: true, raw: "I think it is fine" }, { findings: [good] }]);
  const out = await reviewFile(client, file, ctx);
  assert.equal(client.calls, 2);
  assert.equal(out.findings.length, 1);
  assert.equal(out.findings[0]!.line, 2);
  assert.deepEqual(out.warnings, []);
  assert.equal(out.usage.inputTokens, 20, "both calls are paid for");
});

test("bad output twice becomes a warning, keeping only findings that validate, never a crash", async () => {
  const bad = { ...good, severity: "catastrophic" };
  const client = scripted([{ findings: [bad, good] }]);
  const out = await reviewFile(client, file, ctx);
  assert.equal(client.calls, 2);
  assert.equal(out.findings.length, 1);
  assert.equal(out.warnings.length, 1);
  assert.match(out.warnings[0]!, /rejected twice/);
});

test("findings past the code sent are dropped with a warning; lines map back from chunks", async () => {
  const client = scripted([{ findings: [{ ...good, line: 40 }] }]);
  const out = await reviewFile(client, file, ctx);
  assert.equal(out.findings.length, 0);
  assert.match(out.warnings[0]!, /past the code/);
});
