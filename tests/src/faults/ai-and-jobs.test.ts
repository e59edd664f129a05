import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { ADMIN, api, newUser, startMesh, type Mesh } from "../mesh.js";
import { eventually } from "./helpers.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Real code nobody here wrote: picomatch's sources from node_modules. */
async function foreignSources(): Promise<{ path: string; content: string }[]> {
  const dir = path.join(root, "node_modules/picomatch/lib");
  const names = (await readdir(dir)).filter((n) => n.endsWith(".js"));
  return Promise.all(
    names.map(async (n) => ({ path: `lib/${n}`, content: await readFile(path.join(dir, n), "utf8") })),
  );
}

describe("faults: AI providers and analysis jobs", () => {
  let mesh: Mesh;
  let hanging: http.Server;
  let hangingRequests = 0;
  let admin: string;

  before(async () => {
    hanging = http.createServer(() => {
      hangingRequests++; // never answers
    });
    await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
    mesh = await startMesh({
      env: {
        RATE_LIMIT_USER: "1000000",
        RATE_LIMIT_ANONYMOUS: "1000000",
        ORCHESTRATOR_BREAKER_VOLUME: "3",
        ORCHESTRATOR_BREAKER_RESET_MS: "60000",
        ORCHESTRATOR_HEALTH_REPORT_MS: "200",
        ANALYSIS_LEASE_SECONDS: "3",
        ANALYSIS_POLL_INTERVAL_MS: "500",
        ANALYSIS_CONCURRENCY: "1",
      },
    });
    admin = String((await api(mesh.url, "POST", "/api/v1/auth/login", { body: ADMIN })).body.accessToken);
  });
  after(async () => {
    await mesh?.stop();
    hanging.closeAllConnections();
    hanging.close();
  });

  it("an AI provider that hangs: the deadline cuts it, the fallback answers, and its breaker opens", async () => {
    const { port } = hanging.address() as { port: number };
    const created = await api(mesh.url, "POST", "/api/v1/providers", {
      token: admin,
      body: {
        name: "hangs",
        kind: "openai",
        baseUrl: `http://127.0.0.1:${port}/v1`,
        apiKey: "sk-test-hanging-provider-0001",
        models: [{ id: "gpt-hang", inputCostPer1k: 0.001, outputCostPer1k: 0.002 }],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const providers = await api(mesh.url, "GET", "/api/v1/providers", { token: admin });
    const local = providers.body.items!.find((p) => p.kind === "local")!;
    const route = await api(mesh.url, "PUT", "/api/v1/ai/routes/review-fast", {
      token: admin,
      body: {
        strategy: "priority",
        targets: [
          { providerId: created.body.id, model: "gpt-hang" },
          { providerId: local.id, model: "local-reviewer" },
        ],
        timeoutMs: 300,
        retries: 0,
      },
    });
    assert.equal(route.status, 200, JSON.stringify(route.body));

    const user = await newUser(mesh.url);
    const timings: number[] = [];
    for (let i = 0; i < 6; i++) {
      const started = performance.now();
      const res = await api(mesh.url, "POST", "/api/v1/ai/chat/completions", {
        token: user.accessToken,
        body: { model: "review-fast", temperature: 0.7, messages: [{ role: "user", content: `hello ${i}` }] },
      });
      timings.push(performance.now() - started);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.headers.get("x-provider"), String(local.name));
      assert.equal(res.headers.get("x-fallbacks"), "1");
    }
    assert.ok(timings[0]! >= 250 && timings[0]! < 3000, `the first call waited for the deadline: ${timings[0]} ms`);
    const seen = hangingRequests;
    assert.ok(seen >= 3 && seen < 6, `the hanging provider was tried ${seen} times before its breaker opened`);
    assert.ok(timings[5]! < 250, `with the breaker open the fallback answers at once: ${timings[5]} ms`);
    await eventually(async () => {
      const health = await api(mesh.url, "GET", `/api/v1/providers/${created.body.id}/health`, {
        token: user.accessToken,
      });
      return JSON.stringify(health.body).includes("open");
    });
  });

  it("the analysis service killed mid-job: after restart the job completes once, with no duplicate findings", async () => {
    const user = await newUser(mesh.url);
    const project = await api(mesh.url, "POST", "/api/v1/projects", {
      token: user.accessToken,
      body: { name: "killed" },
    });
    const files = await foreignSources();
    const upload = await api(mesh.url, "POST", `/api/v1/projects/${project.body.id}/files`, {
      token: user.accessToken,
      body: { files },
    });
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    const queued = await api(mesh.url, "POST", `/api/v1/projects/${project.body.id}/analyses`, {
      token: user.accessToken,
      body: { kinds: ["static", "ai"] },
    });
    assert.equal(queued.status, 202);
    const id = String(queued.body.id);
    const get = () => api(mesh.url, "GET", `/api/v1/analyses/${id}`, { token: user.accessToken });
    await eventually(async () => (await get()).body.status === "running", 60_000, 20);
    await mesh.kill("analysis", "SIGKILL");
    await mesh.start("analysis");
    await eventually(async () => ["succeeded", "failed"].includes(String((await get()).body.status)), 120_000, 250);
    const done = await get();
    assert.equal(done.body.status, "succeeded", JSON.stringify(done.body));
    const progress = done.body.progress as { done: number; total: number };
    assert.equal(progress.done, progress.total);
    assert.equal(progress.total, files.length);

    const findings: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof api>> = await api(
        mesh.url,
        "GET",
        `/api/v1/analyses/${id}/findings?limit=100${cursor ? `&cursor=${cursor}` : ""}`,
        { token: user.accessToken },
      );
      findings.push(...page.body.items!);
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    assert.ok(findings.length > 0);
    const keys = findings.map((f) => `${f.path}:${f.line}:${f.rule}:${f.source}:${f.message}`);
    assert.equal(new Set(keys).size, keys.length, "no finding is recorded twice");
    const summary = done.body.summary as { total: number };
    assert.equal(summary.total, findings.length);
  });
});
