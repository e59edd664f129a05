import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { startMesh, userMessage, type Mesh } from "./harness.js";

describe("routing strategies, retries and fallback", () => {
  let m: Mesh;
  let pa: string;
  let pb: string;
  let pc: string;
  before(async () => {
    // Breakers stay out of the way here (they have their own tests).
    m = await startMesh({ ORCHESTRATOR_BREAKER_VOLUME: "1000" });
    pa = await m.addProvider({
      name: "pa",
      kind: "openai",
      apiKey: "sk-a-0123456789abcdef",
      models: [{ id: "a1", inputCostPer1k: 3, outputCostPer1k: 3 }],
    });
    pb = await m.addProvider({
      name: "pb",
      kind: "openai",
      apiKey: "sk-b-0123456789abcdef",
      models: [{ id: "b1", inputCostPer1k: 1, outputCostPer1k: 1 }],
    });
    pc = await m.addProvider({
      name: "pc",
      kind: "anthropic",
      apiKey: "sk-c-0123456789abcdef",
      models: [{ id: "c1", inputCostPer1k: 2, outputCostPer1k: 2 }],
    });
  });
  after(() => m.close());
  beforeEach(() => m.fake.reset());

  const targets = (...list: [string, string, number?][]) =>
    list.map(([providerId, model, weight]) => ({ providerId, model, ...(weight ? { weight } : {}) }));
  const ask = (model: string, headers?: Record<string, string>) =>
    m.chat({ model, messages: userMessage("q") }, headers ? { headers } : {});

  test("priority: a failing first target is retried with backoff, then the next one answers", async () => {
    assert.equal(
      (
        await m.putRoute("prio", {
          strategy: "priority",
          targets: targets([pa, "a1"], [pb, "b1"], [pc, "c1"]),
          retries: 1,
        })
      ).status,
      200,
    );
    m.fake.script("a1", { kind: "status", status: 500 }, { kind: "status", status: 502 });
    const res = await ask("prio");
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get("x-provider"), "pb");
    assert.equal(res.headers.get("x-fallbacks"), "1");
    assert.equal(m.fake.calls("a1"), 2, "one retry of the first target");
    assert.equal(m.fake.calls("c1"), 0);
  });

  test("cheapest: the cheapest target goes first; a 429 moves on at once and is not waited out", async () => {
    await m.putRoute("cheap", {
      strategy: "cheapest",
      targets: targets([pa, "a1"], [pc, "c1"], [pb, "b1"]),
      retries: 2,
    });
    assert.equal((await ask("cheap")).headers.get("x-provider"), "pb");
    m.fake.script("b1", { kind: "status", status: 429, retryAfter: "30" });
    const started = Date.now();
    const res = await ask("cheap");
    assert.equal(res.headers.get("x-provider"), "pc", "next cheapest");
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(
      m.fake.received.map((r) => r.model),
      ["b1", "b1", "c1"],
    );
  });

  test("weighted: traffic follows the weights, and a failing pick falls back to the other", async () => {
    await m.putRoute("even", { strategy: "weighted", targets: targets([pa, "a1", 1], [pb, "b1", 1]), retries: 0 });
    for (let i = 0; i < 40; i++) assert.equal((await ask("even")).status, 200);
    assert.ok(m.fake.calls("a1") > 5 && m.fake.calls("b1") > 5, `split ${m.fake.calls("a1")}/${m.fake.calls("b1")}`);
    await m.putRoute("heavy", {
      strategy: "weighted",
      targets: targets([pa, "a1", 1_000_000], [pb, "b1", 0.000001]),
      retries: 0,
    });
    m.fake.reset();
    m.fake.script("a1", { kind: "status", status: 503 });
    const res = await ask("heavy");
    assert.equal(res.headers.get("x-provider"), "pb");
    assert.deepEqual(
      m.fake.received.map((r) => r.model),
      ["a1", "b1"],
    );
  });

  test("fastest: after one slow answer the faster target is preferred", async () => {
    // Fresh targets: latency averages are per provider+model for the process's lifetime, and the
    // earlier tests have already measured a1 and b1.
    const fa = await m.addProvider({
      name: "fa",
      kind: "openai",
      apiKey: "sk-fa-0123456789abcdef",
      models: [{ id: "fa1", inputCostPer1k: 1, outputCostPer1k: 1 }],
    });
    const fb = await m.addProvider({
      name: "fb",
      kind: "openai",
      apiKey: "sk-fb-0123456789abcdef",
      models: [{ id: "fb1", inputCostPer1k: 1, outputCostPer1k: 1 }],
    });
    await m.putRoute("fast", { strategy: "fastest", targets: targets([fa, "fa1"], [fb, "fb1"]) });
    m.fake.script("fa1", { kind: "ok", delayMs: 300 });
    assert.equal((await ask("fast")).headers.get("x-provider"), "fa"); // both unmeasured: list order
    assert.equal((await ask("fast")).headers.get("x-provider"), "fb"); // fb1 unmeasured counts as fastest
    assert.equal((await ask("fast")).headers.get("x-provider"), "fb"); // fb1 measured faster than fa1
  });

  test("when the only target answers 429 with Retry-After, then the wait is honoured and the retry succeeds", async () => {
    await m.putRoute("solo", { strategy: "priority", targets: targets([pa, "a1"]), retries: 1 });
    m.fake.script("a1", { kind: "status", status: 429, retryAfter: "1" });
    const started = Date.now();
    const res = await ask("solo");
    assert.equal(res.status, 200, res.text);
    assert.ok(Date.now() - started >= 900, "waited for Retry-After");
    assert.equal(res.headers.get("x-retries"), "1");
  });

  test("when targets are slow, then retries stop at the caller's deadline", async () => {
    await m.putRoute("slow", { strategy: "priority", targets: targets([pa, "a1"], [pb, "b1"]), retries: 3 });
    m.fake.setDefault("a1", { kind: "slow", delayMs: 5000 });
    m.fake.setDefault("b1", { kind: "slow", delayMs: 5000 });
    const started = Date.now();
    const res = await ask("slow", { "x-request-timeout-ms": "800" });
    const took = Date.now() - started;
    assert.equal(res.status, 504, res.text);
    assert.ok(took < 1300, `took ${took} ms`);
  });

  test("when the first target is slower than the route's timeout, then the next one answers in time", async () => {
    await m.putRoute("timed", {
      strategy: "priority",
      targets: targets([pa, "a1"], [pb, "b1"]),
      retries: 0,
      timeoutMs: 300,
    });
    m.fake.script("a1", { kind: "slow", delayMs: 3000 });
    const started = Date.now();
    const res = await ask("timed");
    assert.equal(res.headers.get("x-provider"), "pb");
    assert.ok(Date.now() - started < 1500);
  });

  test("when a target answers malformed JSON, then it counts as a failure and the next one answers", async () => {
    await m.putRoute("mal", { strategy: "priority", targets: targets([pa, "a1"], [pc, "c1"]), retries: 0 });
    m.fake.script("a1", { kind: "malformed" });
    const res = await ask("mal");
    assert.equal(res.headers.get("x-provider"), "pc");
  });

  test("when a stream is cut before its first chunk, then another target streams the answer", async () => {
    await m.putRoute("cut0", { strategy: "priority", targets: targets([pa, "a1"], [pc, "c1"]), retries: 0 });
    m.fake.script("a1", { kind: "cut", afterChunks: 0 });
    const res = await m.stream({ model: "cut0", messages: userMessage("q") });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-provider"), "pc");
    assert.equal(res.headers.get("x-fallbacks"), "1");
    assert.equal(res.events.at(-1), "[DONE]");
  });

  test("when a stream is cut mid-way, then the caller gets the chunks so far and an error event, no [DONE]", async () => {
    await m.putRoute("cut3", { strategy: "priority", targets: targets([pa, "a1"], [pb, "b1"]), retries: 0 });
    m.fake.script("a1", { kind: "cut", afterChunks: 3 });
    const res = await m.stream({ model: "cut3", messages: userMessage("a question long enough for several chunks") });
    assert.equal(res.status, 200);
    assert.ok(!res.events.includes("[DONE]"));
    const last = res.events.at(-1) as { error?: { message: string } };
    assert.ok(last.error, res.text);
    assert.ok(res.events.length >= 3);
    assert.equal(m.fake.calls("b1"), 0, "no fallback once output started");
  });

  test("when a provider rejects the request itself (400), then the caller gets a 400 and no fallback", async () => {
    await m.putRoute("reject", { strategy: "priority", targets: targets([pa, "a1"], [pb, "b1"]), retries: 2 });
    m.fake.script("a1", { kind: "status", status: 400, message: "max_tokens is too large" });
    const res = await ask("reject");
    assert.equal(res.status, 400);
    assert.match(res.body.detail, /max_tokens is too large/);
    assert.equal(m.fake.calls("b1"), 0);
  });

  test("when every target fails, then a 503 problem lists the attempts", async () => {
    await m.putRoute("doomed", { strategy: "priority", targets: targets([pa, "a1"], [pb, "b1"]), retries: 0 });
    m.fake.script("a1", { kind: "status", status: 500 });
    m.fake.script("b1", { kind: "status", status: 503 });
    const res = await ask("doomed");
    assert.equal(res.status, 503);
    assert.match(res.headers.get("content-type") ?? "", /problem\+json/);
    assert.deepEqual(
      res.body.attempts.map((a: { provider: string; status: number }) => [a.provider, a.status]),
      [
        ["pa", 500],
        ["pb", 503],
      ],
    );
  });
});
