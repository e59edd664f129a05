import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { ADMIN, sleep, startMesh, userMessage, type Mesh } from "./harness.js";

async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail("condition not met in time");
}

describe("breakers, budgets and quotas", () => {
  let m: Mesh;
  let pa: string;
  let pb: string;
  let local: string;
  before(async () => {
    m = await startMesh();
    pa = await m.addProvider({
      name: "pa",
      kind: "openai",
      apiKey: "sk-a-0123456789abcdef",
      models: [{ id: "a1" }, { id: "a2" }],
    });
    // $10 per 1K output tokens: 100 output tokens cost $1.
    pb = await m.addProvider({
      name: "pb",
      kind: "openai",
      apiKey: "sk-b-0123456789abcdef",
      models: [{ id: "b1" }, { id: "b2", inputCostPer1k: 0, outputCostPer1k: 10 }],
    });
    const list = await m.http("GET", "/api/v1/providers", { part: "provider", as: ADMIN });
    local = list.body.items.find((p: { name: string }) => p.name === "local").id;
  });
  after(() => m.close());
  beforeEach(() => m.fake.reset());

  const breakerMetric = async (name: string) => {
    const text = await (await fetch(`${m.url}/metrics`)).text();
    const line = text
      .split("\n")
      .find((l) => l.startsWith("circuit_breaker_state{") && l.includes(`breaker="${name}"`));
    return line ? Number(line.split(" ").at(-1)) : undefined;
  };
  const health = async (providerId: string, model: string) => {
    const res = await m.http("GET", `/api/v1/providers/${providerId}/health`, { part: "provider", as: ADMIN });
    return res.body.models.find((x: { model: string }) => x.model === model) as {
      breaker: string;
      requests: number;
      errors: number;
      errorRate: number;
    };
  };

  test("when a target keeps failing, then its breaker opens, calls skip it, and health and metrics show it", async () => {
    await m.putRoute("br", {
      strategy: "priority",
      targets: [
        { providerId: pa, model: "a1" },
        { providerId: pb, model: "b1" },
      ],
      retries: 0,
    });
    m.fake.setDefault("a1", { kind: "status", status: 500 });
    for (let i = 0; i < 6; i++) {
      const res = await m.chat({ model: "br", messages: userMessage(`q${i}`) });
      assert.equal(res.headers.get("x-provider"), "pb");
      assert.equal(res.headers.get("x-fallbacks"), "1");
    }
    assert.equal(m.fake.calls("a1"), 3, "three failures open the breaker; later calls skip a1");
    assert.equal(await breakerMetric("ai:pa/a1"), 2);
    await eventually(async () => (await health(pa, "a1")).breaker === "open");
    const h = await health(pa, "a1");
    assert.equal(h.errors, 3);
    assert.equal(h.errorRate, 1);

    // Half-open after the reset timeout: one trial call, which now succeeds and closes it.
    m.fake.setDefault("a1", { kind: "ok" });
    await sleep(700);
    const res = await m.chat({ model: "br", messages: userMessage("again") });
    assert.equal(res.headers.get("x-provider"), "pa");
    assert.equal(await breakerMetric("ai:pa/a1"), 0);
    await eventually(async () => (await health(pa, "a1")).breaker === "closed");
  });

  test("when every target's breaker is open, then the answer is a 503 that says so", async () => {
    await m.putRoute("lonely", { strategy: "priority", targets: [{ providerId: pa, model: "a2" }], retries: 0 });
    m.fake.setDefault("a2", { kind: "status", status: 500 });
    for (let i = 0; i < 3; i++)
      assert.equal((await m.chat({ model: "lonely", messages: userMessage("x") })).status, 503);
    const res = await m.chat({ model: "lonely", messages: userMessage("x") });
    assert.equal(res.status, 503);
    assert.match(res.body.detail, /circuit open/);
    assert.equal(m.fake.calls("a2"), 3);
  });

  test("when concurrent callers share a budget, then it is never overspent and the cheaper fallback answers after", async () => {
    await m.http("PUT", "/api/v1/quotas", {
      part: "provider",
      as: ADMIN,
      body: { scope: "user", subjectId: "spender", budgetUsdPerMonth: 3 },
    });
    await m.putRoute("budget", {
      strategy: "priority",
      targets: [{ providerId: pb, model: "b2" }],
      fallback: { providerId: local, model: "local-reviewer" },
      retries: 0,
    });
    m.fake.setDefault("b2", { kind: "ok", delayMs: 100, usage: { input: 0, output: 100 } });
    const spender = { sub: "spender", role: "member" as const, via: "token" as const };
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        m.chat({ model: "b2", messages: userMessage(`c${i}`), max_tokens: 100 }, { as: spender }),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    assert.equal(ok.length, 3, results.map((r) => r.status).join(","));
    assert.equal(refused.length, 7);
    assert.ok(refused[0]!.headers.get("retry-after"));
    assert.match(refused[0]!.body.detail, /budgetUsdPerMonth/);
    assert.equal(refused[0]!.body.quota.limit, "budgetUsdPerMonth");
    const usage = await m.http("GET", "/api/v1/usage?groupBy=user", { part: "provider", as: ADMIN });
    const spent = usage.body.items.find((i: { key: string }) => i.key === "spender").costUsd;
    assert.ok(spent <= 3, `spent ${spent}`);
    // Over budget, the route's free fallback answers.
    const fallback = await m.chat(
      { model: "budget", messages: userMessage("cheap please"), max_tokens: 100 },
      { as: spender },
    );
    assert.equal(fallback.status, 200, fallback.text);
    assert.equal(fallback.headers.get("x-provider"), "local");
    assert.equal(fallback.headers.get("x-fallbacks"), "1");
  });

  test("when a requests-per-minute quota is used up, then the orchestrator answers 429 with Retry-After", async () => {
    await m.http("PUT", "/api/v1/quotas", {
      part: "provider",
      as: ADMIN,
      body: { scope: "user", subjectId: "rpm", requestsPerMinute: 1 },
    });
    const who = { sub: "rpm", role: "member" as const, via: "token" as const };
    assert.equal((await m.chat({ model: "b1", messages: userMessage("1") }, { as: who })).status, 200);
    const res = await m.chat({ model: "b1", messages: userMessage("2") }, { as: who });
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get("retry-after")) >= 1);
    assert.match(res.body.detail, /requestsPerMinute/);
  });
});
