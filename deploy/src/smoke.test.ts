// The smoke run (Online Boutique's load-generator idea, once, scripted): every part as its own
// process started the way its container starts (Dockerfile ENTRYPOINT and ENV, the compose
// file's environment translated to this machine, uid 1000 where possible), after the migration
// image's entry migrated an empty database, behind the repo's nginx with a throwaway
// certificate. A user journey goes through nginx over HTTPS only: register, log in, create a
// project, upload files and a repository archive, create an experiment with versions and a
// label, a chat completion (plain and streamed) from the built-in local provider, an analysis
// followed over SSE to its end, its findings, a comparison of two versions, an A/B test.
// Zero errors: no 5xx anywhere, no error log line in any part or nginx, every part exits 0 on
// SIGTERM.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startMesh, type Mesh } from "./lib/mesh.js";
import { httpsRequest, httpsStream, nginxAvailable, prepareNginx, startNginx, type NginxSetup } from "./lib/nginx.js";
import { loadParts, PARTS } from "./lib/parts.js";
import type { Proc } from "./lib/proc.js";
import { tarGz } from "./lib/tar.js";

interface Call {
  method: string;
  path: string;
  status: number;
  requestId: string;
}

test("smoke: the whole mesh as separate processes behind nginx, one user journey, zero errors", async (t) => {
  if (!nginxAvailable()) {
    t.diagnostic("SKIPPED: nginx is not installed (bash scripts/ci-tools.sh installs it)");
    t.skip("nginx not installed");
    return;
  }
  const { loaded, missing } = await loadParts();
  for (const m of missing) t.diagnostic(`${m.info.name} is not built yet (${m.reason}); the journey skips its steps`);
  const has = (name: string) => loaded.some((p) => p.info.name === name);
  for (const required of ["gateway", "auth", "project"]) {
    if (!has(required)) {
      t.skip(`${required} is not built yet`);
      return;
    }
  }

  let mesh: Mesh | undefined;
  let nginx: Proc | undefined;
  let setup: NginxSetup;
  const calls: Call[] = [];
  try {
    mesh = await startMesh(PARTS.map((p) => p.name).filter(has));
    t.diagnostic(`started ${[...mesh.procs.keys()].join(", ")}${mesh.asImageUser ? " as uid 1000" : ""}`);
    setup = await prepareNginx(mesh.nginxVars);
    nginx = await startNginx(setup);

    let token = "";
    const api = async <T = Record<string, unknown>>(
      method: string,
      path: string,
      body?: unknown,
      expect?: number,
      headers: Record<string, string> = {},
    ): Promise<T> => {
      const raw = body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body);
      const r = await httpsRequest(setup, method, path, {
        headers: {
          ...(raw && !Buffer.isBuffer(body) ? { "content-type": "application/json" } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        ...(raw ? { body: raw } : {}),
      });
      calls.push({ method, path, status: r.status, requestId: String(r.headers["x-request-id"]) });
      if (expect !== undefined) assert.equal(r.status, expect, `${method} ${path} → ${r.status}: ${r.body}`);
      return (r.body ? JSON.parse(r.body) : {}) as T;
    };

    // Account
    const email = `smoke-${Date.now()}@example.com`;
    const password = "Violet-Harbor-Lantern-2026!";
    await api("POST", "/api/v1/auth/register", { email, password, name: "Journey Tester" }, 201);
    const login = await api<{ accessToken: string }>("POST", "/api/v1/auth/login", { email, password }, 200);
    token = login.accessToken;
    await api("GET", "/api/v1/auth/me", undefined, 200);

    // Project and files
    const project = await api<{ id: string }>(
      "POST",
      "/api/v1/projects",
      { name: "smoke", description: "deploy smoke run" },
      201,
    );
    const source = {
      "src/app.js": "function run(input) {\n  return eval(input);\n}\nmodule.exports = { run };\n",
      "src/db.js": "const password = 'hunter2';\nexports.query = (sql, id) => db.query(sql + id);\n",
    };
    const uploaded = await api<{ items: { path: string }[] }>(
      "POST",
      `/api/v1/projects/${project.id}/files`,
      { files: Object.entries(source).map(([path, content]) => ({ path, content })) },
      201,
    );
    assert.equal(uploaded.items.length, 2);
    const archive = await api<{ items: { path: string }[] }>(
      "POST",
      `/api/v1/projects/${project.id}/archive`,
      tarGz({ "lib/util.js": "exports.add = (a, b) => a + b;\n", "README.md": "# smoke\n" }),
      201,
      { "content-type": "application/gzip" },
    );
    assert.ok(archive.items.length >= 2, "archive files stored");
    const files = await api<{ items: unknown[] }>("GET", `/api/v1/projects/${project.id}/files`, undefined, 200);
    assert.ok(files.items.length >= 4);

    // Experiment, versions, label
    let experimentId: string | undefined;
    if (has("version-control")) {
      const experiment = await api<{ id: string }>(
        "POST",
        "/api/v1/experiments",
        { name: "smoke-review", projectId: project.id },
        201,
      );
      experimentId = experiment.id;
      const config = { model: "local-reviewer", promptTemplate: "Review this code:\n{{code}}", temperature: 0 };
      const v1 = await api<{ version: number }>(
        "POST",
        `/api/v1/experiments/${experimentId}/versions`,
        { config, message: "first" },
        201,
      );
      assert.equal(v1.version, 1);
      await api(
        "POST",
        `/api/v1/experiments/${experimentId}/versions`,
        { config: { ...config, temperature: 0.2 }, message: "second" },
        201,
      );
      await api("PUT", `/api/v1/experiments/${experimentId}/labels/production`, { version: 1 }, 200);
      const diff = await api<{ changes: unknown[] }>(
        "GET",
        `/api/v1/experiments/${experimentId}/versions/1/diff/2`,
        undefined,
        200,
      );
      assert.ok(diff.changes.length >= 1);
    }

    // AI: the built-in local reviewer through the OpenAI-compatible API, plain and streamed
    if (has("ai-orchestrator") && has("provider")) {
      const messages = [{ role: "user", content: `Review:\n${source["src/app.js"]}` }];
      const completion = await api<{ choices: { message: { content: string } }[] }>(
        "POST",
        "/api/v1/ai/chat/completions",
        { model: "local-reviewer", messages },
        200,
      );
      assert.ok(completion.choices[0]?.message.content, "the local reviewer answered");
      const stream = await httpsStream(setup, "POST", "/api/v1/ai/chat/completions", {
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ model: "local-reviewer", messages, stream: true }),
      });
      calls.push({
        method: "POST",
        path: "/api/v1/ai/chat/completions (stream)",
        status: stream.status,
        requestId: String(stream.headers["x-request-id"]),
      });
      assert.equal(stream.status, 200);
      assert.match(String(stream.headers["content-type"]), /text\/event-stream/);
      const text = stream.chunks.map((c) => c.text).join("");
      assert.match(text, /data: \{/);
      assert.match(text, /data: \[DONE\]/);
    }

    // Analysis, followed over SSE through nginx until it ends
    let analysisId: string | undefined;
    if (has("analysis")) {
      const started = await api<{ id: string; status: string }>(
        "POST",
        `/api/v1/projects/${project.id}/analyses`,
        { kinds: ["static", "ai"], ...(experimentId ? { experimentId, label: "production" } : {}) },
        202,
      );
      analysisId = started.id;
      const events = await httpsStream(setup, "GET", `/api/v1/analyses/${analysisId}/events`, {
        headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
      });
      calls.push({
        method: "GET",
        path: `/api/v1/analyses/${analysisId}/events`,
        status: events.status,
        requestId: String(events.headers["x-request-id"]),
      });
      assert.equal(events.status, 200);
      const sse = events.chunks.map((c) => c.text).join("");
      assert.match(sse, /event: end/, "the stream ends with the finished analysis");
      const done = await api<{ status: string; summary: { total: number } }>(
        "GET",
        `/api/v1/analyses/${analysisId}`,
        undefined,
        200,
      );
      assert.equal(done.status, "succeeded", JSON.stringify(done));
      const findings = await api<{ items: { rule: string; source: string }[] }>(
        "GET",
        `/api/v1/analyses/${analysisId}/findings?limit=100`,
        undefined,
        200,
      );
      assert.ok(findings.items.length >= 1, "eval() and a hard-coded password are found");
      t.diagnostic(
        `analysis: ${findings.items.length} findings (${[...new Set(findings.items.map((f) => f.source))].join(", ")})`,
      );
    }

    // Comparison of two versions and an A/B test
    if (has("comparison") && experimentId && analysisId) {
      const comparison = await api<{ id: string }>(
        "POST",
        "/api/v1/comparisons",
        { experimentId, baselineVersion: 1, candidateVersion: 2, projectId: project.id },
        202,
      );
      let status = "";
      for (let i = 0; i < 120 && !["succeeded", "failed", "cancelled"].includes(status); i++) {
        await new Promise((r) => setTimeout(r, 500));
        status = (await api<{ status: string }>("GET", `/api/v1/comparisons/${comparison.id}`, undefined, 200)).status;
      }
      assert.equal(status, "succeeded", "the comparison finished");
      const ab = await api<{ id: string }>(
        "POST",
        "/api/v1/ab-tests",
        {
          experimentId,
          variants: [
            { version: 1, weight: 50 },
            { version: 2, weight: 50 },
          ],
          metric: "acceptance_rate",
        },
        201,
      );
      const assignment = await api<{ variant: number }>(
        "GET",
        `/api/v1/ab-tests/${ab.id}/assignment?subject=user-1`,
        undefined,
        200,
      );
      assert.ok([1, 2].includes(assignment.variant));
      await api("POST", `/api/v1/ab-tests/${ab.id}/events`, { subject: "user-1", type: "exposure" }, 202);
      await api("POST", `/api/v1/ab-tests/${ab.id}/events`, { subject: "user-1", type: "accept" }, 202);
      await api("GET", `/api/v1/ab-tests/${ab.id}/results`, undefined, 200);
    }

    // The edge's own view: everything ready, the OpenAPI document served.
    token = "";
    const ready = await httpsRequest(setup, "GET", "/ready");
    assert.equal(ready.status, 200, ready.body);
    const components = (JSON.parse(ready.body) as { components: { name: string; status: string }[] }).components;
    const down = components.filter((c) => c.status !== "up");
    assert.deepEqual(down, [], "the gateway sees every upstream up");
    await api("GET", "/api/openapi.json", undefined, 200);

    const failed = calls.filter((c) => c.status >= 500);
    assert.deepEqual(failed, [], "no 5xx in the journey");
    for (const c of calls)
      assert.match(c.requestId, /^[\w.:-]{8,}$/, `${c.method} ${c.path} answered with a request id`);
    t.diagnostic(`journey: ${calls.length} requests through nginx, all < 500`);
  } finally {
    await nginx?.stop("SIGQUIT");
    if (mesh) {
      const exits = await mesh.stop();
      for (const [name, exit] of exits) assert.deepEqual(exit, { code: 0, signal: null }, `${name} exits 0 on SIGTERM`);
      for (const [name, p] of mesh.procs) assert.deepEqual(p.errors(), [], `${name}: no error log lines`);
    }
    if (nginx) {
      const upstreamErrors = nginx.lines.filter((l) => /\[(error|crit|alert|emerg)\]/.test(l));
      assert.deepEqual(upstreamErrors, [], "nginx logged no upstream errors");
    }
  }
});
