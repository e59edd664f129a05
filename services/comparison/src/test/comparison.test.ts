import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createTestDatabase, type TestDatabase } from "@crm/db/testing";
import { signIdentity, startPart, type Identity, type PartModule, type RunningPart } from "@crm/kit";
import { testEnv } from "@crm/kit/testing";
import { assign } from "../domain/assignment.js";
import { wilson } from "../domain/stats.js";
import part from "../part.js";

const OWNER: Identity = { sub: "owner-1", role: "member", via: "token" };
const OUTSIDER: Identity = { sub: "outsider-1", role: "member", via: "token" };

let db: TestDatabase;
let env: Record<string, string>;
const parts: RunningPart[] = [];
const urls: Record<string, string> = {};
let projectId: string;
let experimentId: string;
let comparisonId: string;

async function http(base: string, method: string, path: string, as: Identity | undefined, body?: unknown) {
  const res = await fetch(`${urls[base] ?? base}${path}`, {
    method,
    headers: {
      ...(as ? { "x-mesh-identity": signIdentity(env.MESH_SECRET!, as, 600) } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever JSON came back
  return { status: res.status, text, body: (text ? JSON.parse(text) : undefined) as any };
}
const api = (method: string, path: string, body?: unknown, as: Identity = OWNER) =>
  http("comparison", method, path, as, body);

/** The real parts, in-process on port 0, one database (a schema each). */
before(async () => {
  db = await createTestDatabase();
  env = testEnv({
    DATABASE_URL: db.url,
    PROVIDER_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    AUTH_GRPC_ADDR: "127.0.0.1:1",
  });
  const peers: [string, string, string][] = [
    ["@crm/provider/part", "PROVIDER", "provider"],
    ["@crm/ai-orchestrator/part", "ORCHESTRATOR", "orchestrator"],
    ["@crm/project/part", "PROJECT", "project"],
    ["@crm/version-control/part", "VERSION_CONTROL", "versions"],
    ["@crm/analysis/part", "ANALYSIS", "analysis"],
  ];
  for (const [pkg, prefix, name] of peers) {
    env[`${prefix}_HTTP_PORT`] = "0";
    env[`${prefix}_GRPC_PORT`] = "0";
    const module = ((await import(pkg)) as { default: PartModule }).default;
    const running = await startPart(module, { env });
    parts.push(running);
    env[`${prefix}_GRPC_ADDR`] = `127.0.0.1:${running.grpcPort}`;
    urls[name] = `http://127.0.0.1:${running.httpPort}`;
  }
  env.COMPARISON_HTTP_PORT = "0";
  const comparison = await startPart(part, { env });
  parts.push(comparison);
  urls.comparison = `http://127.0.0.1:${comparison.httpPort}`;

  projectId = (await http("project", "POST", "/api/v1/projects", OWNER, { name: "cmp" })).body.id;
  const files = [
    { path: "src/a.js", content: 'var x = 1;\nif (x == 2) { eval("x"); }\ndebugger;\n// TODO: tidy\n' },
    { path: "src/b.ts", content: "export function f(a: number) {\n  return a == 1 ? 'one' : 'other';\n}\n" },
  ];
  assert.equal((await http("project", "POST", `/api/v1/projects/${projectId}/files`, OWNER, { files })).status, 201);
  experimentId = (await http("versions", "POST", "/api/v1/experiments", OWNER, { name: "exp", projectId })).body.id;
  const template = "Review {{path}}:\n{{code}}";
  for (const staticRules of [["security"], ["security", "correctness"]]) {
    // The AI side is held to security rules in both versions, so the versions differ only in
    // their static rules and version 2 must find strictly more.
    const config = { model: "local-reviewer", promptTemplate: template, staticRules, aiRules: ["security"] };
    const v = await http("versions", "POST", `/api/v1/experiments/${experimentId}/versions`, OWNER, { config });
    assert.equal(v.status, 201, v.text);
  }
});

after(async () => {
  for (const p of parts.reverse()) await p.stop().catch(() => undefined);
  await db?.drop();
});

describe("offline comparisons", () => {
  test("when two versions are compared, then both analyses run and their findings overlap as computed", async () => {
    const res = await api("POST", "/api/v1/comparisons", {
      experimentId,
      projectId,
      baselineVersion: 1,
      candidateVersion: 2,
    });
    assert.equal(res.status, 202, res.text);
    comparisonId = res.body.id;
    let view;
    for (let i = 0; i < 600; i++) {
      view = (await api("GET", `/api/v1/comparisons/${res.body.id}`)).body;
      if (view.status !== "running") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(view.status, "succeeded", JSON.stringify(view));
    const [base, cand] = view.variants;
    assert.equal(base.version, 1);
    assert.equal(cand.version, 2);
    for (const v of view.variants) {
      assert.ok(v.analysisId && v.findings >= 0 && v.durationMs >= 0 && typeof v.costUsd === "number");
      assert.equal(
        Object.values(v.bySeverity as Record<string, number>).reduce((a, b) => a + b, 0),
        v.findings,
      );
    }
    // Version 2 checks everything version 1 does and more.
    const listed = async (id: string) =>
      (
        (await http("analysis", "GET", `/api/v1/analyses/${id}/findings?limit=100`, OWNER)).body.items as {
          rule: string;
          source: string;
          line: number;
        }[]
      ).map((f) => `${f.source}:${f.rule}:${f.line}`);
    if (!(cand.findings > base.findings)) {
      assert.fail(
        `${cand.findings} > ${base.findings}: ${await listed(base.analysisId)} | ${await listed(cand.analysisId)}`,
      );
    }
    const o = view.overlap;
    assert.equal(o.both + o.onlyBaseline, base.findings);
    assert.equal(o.both + o.onlyCandidate, cand.findings);
    assert.ok(o.onlyCandidate > 0);
    assert.equal(o.jaccard, o.both / (o.both + o.onlyBaseline + o.onlyCandidate));
  });

  test("when the versions are the same or unknown, then 400 / 404", async () => {
    const same = await api("POST", "/api/v1/comparisons", {
      experimentId,
      projectId,
      baselineVersion: 1,
      candidateVersion: 1,
    });
    assert.equal(same.status, 400);
    const unknown = await api("POST", "/api/v1/comparisons", {
      experimentId,
      projectId,
      baselineVersion: 1,
      candidateVersion: 9,
    });
    assert.equal(unknown.status, 404);
  });
});

describe("A/B tests", () => {
  let testId: string;
  const variants = [
    { version: 1, weight: 1 },
    { version: 2, weight: 1 },
  ];
  const subjectsOf = (id: string, version: number, n: number, offset = 0) => {
    const out: string[] = [];
    for (let i = offset; out.length < n; i++) if (assign(id, `s${i}`, variants).version === version) out.push(`s${i}`);
    return out;
  };

  test("when a test is created, then assignment is sticky and follows the hash buckets", async () => {
    const res = await api("POST", "/api/v1/ab-tests", { experimentId, variants, metric: "acceptance_rate" });
    assert.equal(res.status, 201, res.text);
    testId = res.body.id;
    for (let i = 0; i < 20; i++) {
      const a = await api("GET", `/api/v1/ab-tests/${testId}/assignment?subject=user-${i}`);
      const b = await api("GET", `/api/v1/ab-tests/${testId}/assignment?subject=user-${i}`);
      assert.equal(a.body.variant, b.body.variant);
      assert.equal(a.body.variant, assign(testId, `user-${i}`, variants).version);
    }
    assert.equal((await api("GET", `/api/v1/ab-tests/${testId}/assignment`)).status, 400);
  });

  test("when events arrive, then they count once per subject and type, and results equal reference values", async () => {
    // 100 exposed subjects per variant; 40 accept version 1, 60 accept version 2.
    const plan: [number, number][] = [
      [1, 40],
      [2, 60],
    ];
    for (const [version, accepts] of plan) {
      const subjects = subjectsOf(testId, version, 100);
      await Promise.all(
        subjects.map((subject) => api("POST", `/api/v1/ab-tests/${testId}/events`, { subject, type: "exposure" })),
      );
      await Promise.all(
        subjects
          .slice(0, accepts)
          .map((subject) => api("POST", `/api/v1/ab-tests/${testId}/events`, { subject, type: "accept" })),
      );
    }
    const dup = await api("POST", `/api/v1/ab-tests/${testId}/events`, {
      subject: subjectsOf(testId, 1, 1)[0],
      type: "accept",
    });
    assert.equal(dup.status, 202);
    assert.equal(dup.body.recorded, false);
    const r = (await api("GET", `/api/v1/ab-tests/${testId}/results`)).body;
    const [v1, v2] = r.variants;
    assert.deepEqual([v1.exposures, v1.accepts, v2.exposures, v2.accepts], [100, 40, 100, 60]);
    assert.equal(v1.rate, 0.4);
    assert.equal(v2.rate, 0.6);
    // Wilson 40/100 = [0.3094, 0.4980] and 60/100 = [0.5020, 0.6906]; p = P(χ²₁ > 8) = 0.004677735.
    assert.ok(Math.abs(v1.ci95[0] - 0.3094) < 5e-5 && Math.abs(v1.ci95[1] - 0.498) < 5e-5, String(v1.ci95));
    assert.deepEqual(v2.ci95, wilson(60, 100));
    assert.ok(Math.abs(r.pValue - 0.004677735) < 1e-9, String(r.pValue));
    assert.equal(r.significant, true);
    assert.equal(r.alpha, 0.05);
    assert.equal(r.winner, 2);
    assert.equal(r.sampleRatioMismatch, false);
  });

  test("when the split is skewed, then the sample-ratio mismatch is flagged", async () => {
    const skewed = (await api("POST", "/api/v1/ab-tests", { experimentId, variants, metric: "acceptance_rate" })).body
      .id;
    // 300 vs 200 against 50/50: χ² = 20, p = 7.7e-6 < 0.001.
    for (const [version, n] of [
      [1, 300],
      [2, 200],
    ] as const) {
      const subjects = [];
      for (let i = 0; subjects.length < n; i++)
        if (assign(skewed, `k${i}`, variants).version === version) subjects.push(`k${i}`);
      await Promise.all(
        subjects.map((subject) => api("POST", `/api/v1/ab-tests/${skewed}/events`, { subject, type: "exposure" })),
      );
    }
    const r = (await api("GET", `/api/v1/ab-tests/${skewed}/results`)).body;
    assert.equal(r.sampleRatioMismatch, true);
    assert.ok(Math.abs(r.srm.chiSquare - 20) < 1e-9);
    const stop = await api("POST", `/api/v1/ab-tests/${skewed}/stop`, { promote: true });
    assert.equal(stop.status, 409, "no promotion on untrustworthy data");
  });

  test("when someone outside the project asks, then every route answers 404", async () => {
    const routes: [string, string, unknown?][] = [
      ["GET", `/api/v1/comparisons/${comparisonId}`],
      ["GET", `/api/v1/ab-tests/${testId}`],
      ["GET", `/api/v1/ab-tests/${testId}/assignment?subject=x`],
      ["POST", `/api/v1/ab-tests/${testId}/events`, { subject: "x", type: "exposure" }],
      ["GET", `/api/v1/ab-tests/${testId}/results`],
      ["POST", `/api/v1/ab-tests/${testId}/stop`, {}],
      ["POST", "/api/v1/ab-tests", { experimentId, variants, metric: "acceptance_rate" }],
      ["POST", "/api/v1/comparisons", { experimentId, projectId, baselineVersion: 1, candidateVersion: 2 }],
    ];
    for (const [method, path, body] of routes) {
      const res = await api(method, path, body, OUTSIDER);
      assert.equal(res.status, 404, `${method} ${path} → ${res.status} ${res.text}`);
    }
  });

  test("when the test stops with promote, then the production label moves to the winner", async () => {
    const res = await api("POST", `/api/v1/ab-tests/${testId}/stop`, { promote: true });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.promoted?.version, 2);
    const label = await http("versions", "GET", `/api/v1/experiments/${experimentId}/labels/production`, OWNER);
    assert.equal(label.body.version, 2, label.text);
    const after = await api("GET", `/api/v1/ab-tests/${testId}`);
    assert.equal(after.body.status, "stopped");
    assert.equal(after.body.promoted, true);
    assert.equal(
      (await api("POST", `/api/v1/ab-tests/${testId}/events`, { subject: "late", type: "exposure" })).status,
      409,
    );
  });
});
