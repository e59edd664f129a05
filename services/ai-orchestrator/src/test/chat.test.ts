import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { ADMIN, MEMBER, SECRET_PROVIDER_KEY, startMesh, userMessage, type Mesh } from "./harness.js";

describe("OpenAI-compatible chat completions", () => {
  let m: Mesh;
  let openaiId: string;
  before(async () => {
    m = await startMesh();
    openaiId = await m.addProvider({
      name: "oa",
      kind: "openai",
      apiKey: SECRET_PROVIDER_KEY,
      models: [{ id: "gpt-fake", inputCostPer1k: 1, outputCostPer1k: 2 }],
    });
    await m.addProvider({
      name: "an",
      kind: "anthropic",
      apiKey: "sk-ant-fake-ANTHROPICKEY-0123456789",
      models: [{ id: "claude-fake" }],
    });
  });
  after(() => m.close());

  test("when a model id is requested, then the provider's answer comes back in OpenAI shape with routing headers", async () => {
    const res = await m.chat(
      { model: "gpt-fake", messages: userMessage("hello") },
      { headers: { "x-request-id": "req-chat-1" } },
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.object, "chat.completion");
    assert.match(res.body.choices[0].message.content, /answer from gpt-fake/);
    assert.deepEqual(res.body.usage, { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    assert.equal(res.headers.get("x-provider"), "oa");
    assert.equal(res.headers.get("x-model"), "gpt-fake");
    assert.equal(res.headers.get("x-cache"), "miss");
    assert.equal(res.headers.get("x-fallbacks"), "0");
    const sent = m.fake.received.at(-1)!;
    assert.equal(sent.headers.authorization, `Bearer ${SECRET_PROVIDER_KEY}`);
    // The ledger has the call with its request id and the catalog's cost.
    const usage = await m.http("GET", "/api/v1/usage?groupBy=model", { part: "provider", as: ADMIN });
    const row = usage.body.items.find((i: { key: string }) => i.key === "gpt-fake");
    assert.equal(row.requests, 1);
    assert.equal(row.costUsd, 0.02); // 10/1000*$1 + 5/1000*$2
    const { createPrisma } = await import("@crm/db");
    const prisma = createPrisma(m.db.url);
    const rec = await prisma.usageRecord.findFirstOrThrow({ where: { requestId: "req-chat-1" } });
    await prisma.$disconnect();
    assert.equal(rec.providerId, openaiId);
    assert.equal(rec.userId, MEMBER.sub);
  });

  test("when an Anthropic model is requested, then messages are mapped both ways", async () => {
    const res = await m.chat({
      model: "claude-fake",
      messages: [{ role: "system", content: "be brief" }, ...userMessage("hi there")],
      max_tokens: 100,
      temperature: 1.5,
      stop: "END",
    });
    assert.equal(res.status, 200, res.text);
    assert.match(res.body.choices[0].message.content, /answer from claude-fake/);
    assert.equal(res.body.choices[0].finish_reason, "stop");
    assert.equal(res.body.usage.total_tokens, 15);
    const sent = m.fake.received.at(-1)!;
    assert.equal(sent.api, "anthropic");
    assert.equal(sent.body.system, "be brief");
    assert.deepEqual(sent.body.messages, [{ role: "user", content: "hi there" }]);
    assert.equal(sent.body.temperature, 1);
    assert.deepEqual(sent.body.stop_sequences, ["END"]);
    assert.equal(sent.headers["anthropic-version"], "2023-06-01");
    assert.equal(sent.headers["x-api-key"], "sk-ant-fake-ANTHROPICKEY-0123456789");
  });

  test("when streaming from OpenAI and Anthropic targets, then SSE chunks end with [DONE]", async () => {
    for (const model of ["gpt-fake", "claude-fake"]) {
      const res = await m.stream({
        model,
        messages: userMessage("stream me"),
        stream_options: { include_usage: true },
      });
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
      assert.equal(res.events.at(-1), "[DONE]");
      const chunks = res.events.slice(0, -1) as {
        choices: { delta: { content?: string } }[];
        usage?: { total_tokens: number };
      }[];
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
      assert.match(text, new RegExp(`answer from ${model}`));
      assert.equal(chunks.at(-1)!.usage!.total_tokens, 15);
    }
    const noUsage = await m.stream({ model: "gpt-fake", messages: userMessage("x") });
    assert.ok(noUsage.events.slice(0, -1).every((c) => !(c as { usage?: unknown }).usage));
  });

  test("when the local provider is asked to review code, then it answers with JSON findings", async () => {
    const code =
      "```js src/a.js\nconst q = 'SELECT * FROM users WHERE id = ' + req.query.id;\ndb.query(q);\neval(req.body.code);\n```";
    const res = await m.chat({
      model: "local-reviewer",
      messages: userMessage(`Review this file.\n${code}`),
      temperature: 0,
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get("x-provider"), "local");
    const findings = JSON.parse(res.body.choices[0].message.content).findings as { rule: string }[];
    assert.ok(findings.length > 0);
    assert.ok(res.body.usage.prompt_tokens > 0 && res.body.usage.completion_tokens > 0);
  });

  test("when models are listed, then catalog models and aliases appear", async () => {
    await m.putRoute("smart", { strategy: "priority", targets: [{ providerId: openaiId, model: "gpt-fake" }] });
    const res = await m.http("GET", "/api/v1/ai/models", { as: MEMBER });
    assert.equal(res.body.object, "list");
    const ids = res.body.data.map((d: { id: string }) => d.id);
    for (const id of ["gpt-fake", "claude-fake", "local-reviewer", "smart"]) assert.ok(ids.includes(id), id);
  });

  test("when the official openai client is pointed at the orchestrator, then it completes and streams", async () => {
    const client = new OpenAI({
      apiKey: "unused-here",
      baseURL: `${m.url}/api/v1/ai`,
      defaultHeaders: { "x-mesh-identity": m.token(MEMBER) },
      maxRetries: 0,
    });
    const done = await client.chat.completions.create({ model: "smart", messages: [{ role: "user", content: "hi" }] });
    assert.match(done.choices[0]!.message.content ?? "", /answer from gpt-fake/);
    const stream = await client.chat.completions.create({
      model: "claude-fake",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    assert.match(text, /answer from claude-fake/);
    const models = await client.models.list();
    assert.ok(models.data.some((x) => x.id === "smart"));
    await assert.rejects(
      client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] }),
      (e: { status: number }) => e.status === 404,
    );
  });

  test("when a request is invalid or anonymous, then it is refused clearly", async () => {
    const bad = await m.chat({ model: "gpt-fake", messages: [] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].path, "body.messages");
    const anon = await m.chat(
      { model: "gpt-fake", messages: userMessage("x") },
      { as: { sub: "anonymous", role: "anonymous", via: "anonymous" } },
    );
    assert.equal(anon.status, 401);
  });

  test("when a member manages routes, then it is forbidden", async () => {
    assert.equal(
      (
        await m.http("PUT", "/api/v1/ai/routes/x", {
          as: MEMBER,
          body: { strategy: "priority", targets: [{ providerId: openaiId, model: "gpt-fake" }] },
        })
      ).status,
      403,
    );
    assert.equal((await m.http("GET", "/api/v1/ai/routes/smart", { as: MEMBER })).status, 403);
    assert.equal((await m.http("DELETE", "/api/v1/ai/routes/smart", { as: MEMBER })).status, 403);
    assert.equal(
      (
        await m.http("PUT", "/api/v1/quotas", {
          part: "provider",
          as: MEMBER,
          body: { scope: "global", tokensPerDay: 1 },
        })
      ).status,
      403,
    );
    const unknown = await m.putRoute("bad", {
      strategy: "priority",
      targets: [{ providerId: openaiId, model: "missing" }],
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.errors[0].path, "body.targets.0");
  });

  test("when /openapi.json is fetched, then it lists the AI routes", async () => {
    const res = await m.http("GET", "/openapi.json");
    assert.equal(res.body.openapi, "3.1.0");
    assert.ok(res.body.paths["/api/v1/ai/chat/completions"].post);
    assert.ok(res.body.paths["/api/v1/ai/routes/{alias}"].put);
    const { Validator } = await import("@seriousme/openapi-schema-validator");
    const result = await new Validator().validate(res.body);
    assert.equal(result.valid, true, JSON.stringify(result.errors));
  });

  test("when readiness is asked, then Postgres, Redis and the provider service are checked", async () => {
    const res = await fetch(`${m.url}/ready`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { components: { name: string; status: string }[] };
    assert.deepEqual(body.components.map((c) => `${c.name}:${c.status}`).sort(), [
      "postgres:up",
      "provider:up",
      "redis:up",
    ]);
  });

  test("provider keys never appear in a log line or a response", () => {
    assert.ok(m.logs.length > 0);
    for (const line of [...m.logs, ...m.responses]) {
      assert.ok(!line.includes("PROVIDERKEY"), line);
      assert.ok(!line.includes("ANTHROPICKEY"), line);
    }
  });
});
