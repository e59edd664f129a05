import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import { ADMIN, MEMBER, startProvider, type Harness } from "./harness.js";

interface Reservation {
  reservationId: string;
  estimatedCostUsd: number;
  quotaIds: string[];
}

const usage = (over: Record<string, unknown> = {}) => ({
  requestId: "req-1",
  userId: "user-1",
  projectId: "",
  providerId: "",
  providerName: "p",
  model: "m1",
  requestedModel: "m1",
  inputTokens: 1000,
  outputTokens: 1000,
  costUsd: 0,
  latencyMs: 120,
  cacheHit: false,
  outcome: "ok",
  error: "",
  ...over,
});

describe("quotas, reservations and the usage ledger", () => {
  let h: Harness;
  let providerId: string;
  const reserve = (req: Record<string, unknown>) =>
    h.grpc.unary<Reservation>("Reserve", {
      userId: "user-1",
      projectId: "",
      providerId,
      model: "m1",
      estimatedInputTokens: 1000,
      maxOutputTokens: 1000,
      ...req,
    });

  before(async () => {
    h = await startProvider({ PROVIDER_SEED_LOCAL: "false" });
    // $1 in + $2 out per 1K tokens: a 1000/1000-token call costs $3.
    const p = await h.http("POST", "/api/v1/providers", {
      as: ADMIN,
      body: { name: "p", kind: "openai", models: [{ id: "m1", inputCostPer1k: 1, outputCostPer1k: 2 }] },
    });
    providerId = p.body.id;
  });
  after(() => h.close());

  test("when a member sets a quota, then it is forbidden", async () => {
    const res = await h.http("PUT", "/api/v1/quotas", { as: MEMBER, body: { scope: "global", budgetUsdPerMonth: 1 } });
    assert.equal(res.status, 403);
    const bad = await h.http("PUT", "/api/v1/quotas", { as: ADMIN, body: { scope: "user", budgetUsdPerMonth: 1 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].path, "body.subjectId");
  });

  test("when no quota applies, then a reservation is free and the ledger still records the call", async () => {
    const r = await reserve({ userId: "nobody" });
    assert.equal(r.reservationId, "");
    assert.equal(r.estimatedCostUsd, 3);
    const ack = await h.grpc.unary<{ costUsd: number }>("Commit", {
      reservationId: "",
      usage: usage({ userId: "nobody", providerId }),
    });
    assert.equal(ack.costUsd, 3, "cost comes from the catalog");
  });

  test("when many callers reserve against a budget at once, then it is never overspent", async () => {
    const put = await h.http("PUT", "/api/v1/quotas", {
      as: ADMIN,
      body: { scope: "user", subjectId: "user-1", budgetUsdPerMonth: 10 },
    });
    assert.equal(put.status, 200, put.text);
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => reserve({})));
    const ok = results.filter((r) => r.status === "fulfilled") as PromiseFulfilledResult<Reservation>[];
    assert.equal(ok.length, 3, "$10 holds three $3 calls");
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    assert.equal(refused.reason.status, 429);
    assert.equal(refused.reason.extensions.quota.limit, "budgetUsdPerMonth");
    assert.ok(refused.reason.retryAfter >= 1);

    // One call used less than it held, one failed: both free budget for others.
    await h.grpc.unary("Commit", {
      reservationId: ok[0]!.value.reservationId,
      usage: usage({ providerId, inputTokens: 500, outputTokens: 250 }),
    });
    await h.grpc.unary("Commit", { reservationId: ok[0]!.value.reservationId, usage: usage({ providerId }) }); // replay: no double count
    await h.grpc.unary("Release", {
      reservationId: ok[1]!.value.reservationId,
      usage: usage({ providerId, outcome: "error", inputTokens: 0, outputTokens: 0 }),
    });
    const quotas = await h.http("GET", "/api/v1/quotas", { as: MEMBER });
    const mine = quotas.body.items.find((q: { scope: string }) => q.scope === "user");
    assert.equal(mine.consumption.usdThisMonth, 1, "500 in + 250 out = $1");
    assert.equal(mine.consumption.usdReserved, 3);
    // $1 used + $3 held leaves $6: two more $3 calls fit, a third does not.
    await reserve({});
    await reserve({});
    await assert.rejects(reserve({}), (e: { status: number }) => e.status === 429);
  });

  test("when tokens per day run out, then the next reservation names the token quota", async () => {
    await h.http("PUT", "/api/v1/quotas", {
      as: ADMIN,
      body: { scope: "project", subjectId: "proj-1", tokensPerDay: 3000 },
    });
    const r = await reserve({ userId: "other", projectId: "proj-1" });
    assert.equal(r.quotaIds.length, 1);
    await assert.rejects(
      reserve({ userId: "other", projectId: "proj-1" }),
      (e: { status: number; extensions: { quota: { limit: string } } }) =>
        e.status === 429 && e.extensions.quota.limit === "tokensPerDay",
    );
  });

  test("when requests per minute run out, then the call is refused with Retry-After", async () => {
    await h.http("PUT", "/api/v1/quotas", {
      as: ADMIN,
      body: { scope: "user", subjectId: "rpm-user", providerId, requestsPerMinute: 2 },
    });
    await reserve({ userId: "rpm-user" });
    await reserve({ userId: "rpm-user" });
    await assert.rejects(
      reserve({ userId: "rpm-user" }),
      (e: { status: number; retryAfter: number; extensions: { quota: { limit: string } } }) =>
        e.status === 429 && e.retryAfter >= 1 && e.extensions.quota.limit === "requestsPerMinute",
    );
  });

  test("when usage is aggregated, then it groups by provider, model and user; members see their own", async () => {
    const all = await h.http("GET", "/api/v1/usage?groupBy=user", { as: ADMIN });
    assert.equal(all.status, 200, all.text);
    const users = all.body.items.map((i: { key: string }) => i.key).sort();
    assert.deepEqual(users, ["nobody", "user-1"]);
    const byProvider = await h.http("GET", "/api/v1/usage?groupBy=provider", { as: ADMIN });
    assert.equal(byProvider.body.items[0].key, providerId);
    assert.equal(byProvider.body.items[0].name, "p");
    assert.equal(byProvider.body.items[0].costUsd, 4);
    assert.equal(byProvider.body.items[0].errors, 1);
    const mine = await h.http("GET", "/api/v1/usage?groupBy=model", { as: MEMBER });
    assert.deepEqual(
      mine.body.items.map((i: { key: string; requests: number }) => [i.key, i.requests]),
      [["m1", 2]],
    );
    assert.equal((await h.http("GET", "/api/v1/usage?groupBy=planet", { as: ADMIN })).status, 400);
  });

  test("when orchestrators report breakers, then health shows them with the ledger's error rate and latency", async () => {
    await h.grpc.unary("ReportHealth", {
      instanceId: "orch-a",
      breakers: [{ providerId, model: "m1", state: "open", failures: 5, successes: 0, rejects: 2, latencyMeanMs: 10 }],
    });
    await h.grpc.unary("ReportHealth", {
      instanceId: "orch-b",
      breakers: [
        { providerId, model: "m1", state: "closed", failures: 0, successes: 3, rejects: 0, latencyMeanMs: 10 },
      ],
    });
    const res = await h.http("GET", `/api/v1/providers/${providerId}/health`, { as: MEMBER });
    assert.equal(res.status, 200, res.text);
    const m1 = res.body.models.find((m: { model: string }) => m.model === "m1");
    assert.equal(m1.breaker, "open");
    assert.equal(m1.instances.length, 2);
    assert.equal(m1.requests, 3);
    assert.equal(m1.errors, 1);
    assert.equal(m1.latencyMsAvg, 120);
    assert.equal(res.body.status, "down");
  });
});

describe("when Redis is down", () => {
  let h: Harness;
  let redis: ChildProcess;
  before(async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    redis = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    for (let i = 0; i < 50; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}`).then(
        () => true,
        (e: { cause?: { code?: string } }) => e.cause?.code !== "ECONNREFUSED",
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    h = await startProvider({ REDIS_URL: `redis://127.0.0.1:${port}`, PROVIDER_SEED_LOCAL: "false" });
  });
  after(async () => {
    await h.close();
    if (redis.exitCode === null) redis.kill();
  });

  test("then a call with a quota fails closed with 503 and one without a quota passes", async () => {
    const p = await h.http("POST", "/api/v1/providers", {
      as: ADMIN,
      body: { name: "p", kind: "openai", models: [{ id: "m1", inputCostPer1k: 1, outputCostPer1k: 1 }] },
    });
    await h.http("PUT", "/api/v1/quotas", { as: ADMIN, body: { scope: "user", subjectId: "u", tokensPerDay: 100000 } });
    redis.kill("SIGKILL");
    await once(redis, "exit");
    await assert.rejects(
      h.grpc.unary("Reserve", {
        userId: "u",
        projectId: "",
        providerId: p.body.id,
        model: "m1",
        estimatedInputTokens: 10,
        maxOutputTokens: 10,
      }),
      (e: { status: number }) => e.status === 503, // over gRPC an UNAVAILABLE answer reads as "provider unavailable"
    );
    const free = await h.grpc.unary<Reservation>("Reserve", {
      userId: "v",
      projectId: "",
      providerId: p.body.id,
      model: "m1",
      estimatedInputTokens: 10,
      maxOutputTokens: 10,
    });
    assert.equal(free.reservationId, "");
    const quotas = await h.http("GET", "/api/v1/quotas", { as: ADMIN });
    assert.equal(quotas.body.items[0].consumption, null);
  });
});
