import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { runWithContext } from "@crm/kit";
import { ADMIN, MEMBER, startMesh, type Mesh } from "./harness.js";

interface ReviewAnswer {
  findings: {
    path: string;
    line: number;
    endLine: number;
    severity: string;
    rule: string;
    category: string;
    message: string;
    suggestion: string;
  }[];
  usage: { inputTokens: number; outputTokens: number; costUsd: number };
  provider: string;
  model: string;
  unparsed: boolean;
  raw: string;
}

const JS = [
  "const express = require('express');",
  "const app = express();",
  "app.get('/run', (req, res) => {",
  "  eval(req.query.code);",
  "  res.send('ok');",
  "});",
].join("\n");

describe("OrchestratorService over gRPC", () => {
  let m: Mesh;
  before(async () => {
    m = await startMesh();
    await m.addProvider({
      name: "pa",
      kind: "openai",
      apiKey: "sk-a-0123456789abcdef",
      models: [{ id: "a1", inputCostPer1k: 1, outputCostPer1k: 1 }],
    });
  });
  after(() => m.close());

  test("when a service asks for a completion on behalf of a user, then the usage is the user's", async () => {
    const res = await m.grpc.unary<{
      content: string;
      provider: string;
      usage: { inputTokens: number; costUsd: number };
    }>("Complete", {
      model: "a1",
      messages: [{ role: "user", content: "hello" }],
      temperature: 0.2,
      userId: "user-42",
      projectId: "proj-9",
    });
    assert.match(res.content, /answer from a1/);
    assert.equal(res.provider, "pa");
    assert.equal(res.usage.inputTokens, 10);
    assert.equal(res.usage.costUsd, 0.015);
    assert.equal(m.fake.received.at(-1)!.body.temperature, 0.2);
    const usage = await m.http("GET", "/api/v1/usage?groupBy=project", { part: "provider", as: ADMIN });
    assert.ok(usage.body.items.some((i: { key: string }) => i.key === "proj-9"));
  });

  test("when a user's identity is forwarded, then the usage is that user's whatever user_id says", async () => {
    await runWithContext({ requestId: "fwd-1", identityToken: m.token(MEMBER) }, () =>
      m.grpc.unary("Complete", { model: "a1", messages: [{ role: "user", content: "hi" }], userId: "someone-else" }),
    );
    assert.equal(m.fake.received.at(-1)!.body.temperature, undefined, "an unset optional field stays unset");
    const usage = await m.http("GET", "/api/v1/usage?groupBy=user", { part: "provider", as: ADMIN });
    assert.ok(usage.body.items.some((i: { key: string }) => i.key === MEMBER.sub));
    assert.ok(!usage.body.items.some((i: { key: string }) => i.key === "someone-else"));
  });

  test("when code is reviewed with the default (local) model, then structured findings come back", async () => {
    const res = await m.grpc.unary<ReviewAnswer>("ReviewCode", {
      path: "src/server.js",
      code: JS,
      language: "javascript",
      config: { rules: [] },
      userId: "user-42",
    });
    assert.equal(res.provider, "local");
    assert.equal(res.unparsed, false);
    const evalFinding = res.findings.find((f) => f.line === 4);
    assert.ok(evalFinding, JSON.stringify(res.findings));
    assert.equal(evalFinding.path, "src/server.js");
    assert.ok(["high", "critical"].includes(evalFinding.severity));
    assert.ok(evalFinding.rule && evalFinding.category && evalFinding.message);
    assert.ok(res.usage.inputTokens > 0);
  });

  test("when an external model answers the review, then its JSON is parsed and the prompt template is used", async () => {
    m.fake.script("a1", {
      kind: "ok",
      content:
        '```json\n{"findings":[{"line":4,"severity":"critical","rule":"security/eval","category":"security","message":"eval of request input","suggestion":"remove eval"}]}\n```',
    });
    const res = await m.grpc.unary<ReviewAnswer>("ReviewCode", {
      path: "src/server.js",
      code: JS,
      language: "javascript",
      config: {
        model: "a1",
        promptTemplate: "Check {{path}} ({{language}}):\n{{code}}",
        temperature: 0,
        maxTokens: 500,
        rules: ["security"],
      },
    });
    assert.deepEqual(res.findings, [
      {
        path: "src/server.js",
        line: 4,
        endLine: 0,
        severity: "critical",
        rule: "security/eval",
        category: "security",
        message: "eval of request input",
        suggestion: "remove eval",
      },
    ]);
    const sent = m.fake.received.at(-1)!.body as {
      messages: { role: string; content: string }[];
      max_tokens: number;
      temperature: number;
    };
    assert.match(
      sent.messages[1]!.content,
      /^Check src\/server.js \(javascript\):\n```javascript src\/server.js\nconst express/,
    );
    assert.match(sent.messages[0]!.content, /security/);
    assert.equal(sent.max_tokens, 500);
    assert.equal(sent.temperature, 0);

    m.fake.script("a1", { kind: "ok", content: "I think it is fine." });
    const prose = await m.grpc.unary<ReviewAnswer>("ReviewCode", {
      path: "b.js",
      code: "let x = 1; // other",
      language: "",
      config: { model: "a1", promptTemplate: "", rules: [] },
    });
    assert.equal(prose.unparsed, true);
    assert.equal(prose.raw, "I think it is fine.");
  });

  test("when the model is unknown, then the call fails with NOT_FOUND", async () => {
    await assert.rejects(
      m.grpc.unary("Complete", { model: "nope", messages: [{ role: "user", content: "x" }] }),
      (e: { status: number }) => e.status === 404,
    );
  });
});
