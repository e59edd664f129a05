import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { createGzip } from "node:zlib";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { pack } from "tar-stream";
import { api, newUser, startMesh, type Mesh } from "../mesh.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** A gzip tarball of a dependency's source (code no one here wrote), built in the test. */
async function tarballOf(dir: string): Promise<Buffer> {
  const tar = pack();
  const names = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile());
  for (const d of names) {
    const full = path.join(d.parentPath, d.name);
    tar.entry({ name: `repo/${path.relative(dir, full)}` }, await readFile(full));
  }
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar.pipe(createGzip())) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** What a team does with the platform, end to end, through the gateway only. */
describe("review journey through the gateway", () => {
  let mesh: Mesh;
  let owner: Awaited<ReturnType<typeof newUser>>;

  before(async () => {
    mesh = await startMesh({ env: { RATE_LIMIT_USER: "1000000", ANALYSIS_POLL_INTERVAL_MS: "500" } });
    owner = await newUser(mesh.url);
  });
  after(async () => mesh?.stop());

  it("uploads a repository, versions a review config, analyses, compares and A/B-tests it, and promotes the winner", async () => {
    const as = (method: string, route: string, body?: unknown) =>
      api(mesh.url, method, route, { token: owner.accessToken, body });
    const project = await as("POST", "/api/v1/projects", { name: "picomatch" });
    assert.equal(project.status, 201);
    const pid = String(project.body.id);

    const tarball = await tarballOf(path.join(root, "node_modules/picomatch"));
    const upload = await fetch(`${mesh.url}/api/v1/projects/${pid}/archive?strip=1`, {
      method: "POST",
      headers: { authorization: `Bearer ${owner.accessToken}`, "content-type": "application/gzip" },
      body: tarball,
    });
    assert.equal(upload.status, 201, await upload.clone().text());
    const uploaded = (await upload.json()) as { items: { path: string; sha256: string }[] };
    assert.ok(uploaded.items.some((f) => f.path === "lib/picomatch.js"));

    const exp = await as("POST", "/api/v1/experiments", { name: "review-config", projectId: pid });
    assert.equal(exp.status, 201);
    const eid = String(exp.body.id);
    const base = {
      model: "local-reviewer",
      promptTemplate: "Review {{path}} ({{language}}):\n{{code}}",
      temperature: 0,
    };
    assert.equal(
      (await as("POST", `/api/v1/experiments/${eid}/versions`, { config: base, message: "baseline" })).status,
      201,
    );
    const v2 = await as("POST", `/api/v1/experiments/${eid}/versions`, {
      config: { ...base, maxTokens: 2048 },
      message: "more room",
    });
    assert.equal(v2.body.version, 2);
    assert.equal(v2.body.parentVersion, 1);
    const diff = await as("GET", `/api/v1/experiments/${eid}/versions/1/diff/2`);
    assert.deepEqual(diff.body.changes, [{ op: "add", path: "/maxTokens", to: 2048 }]);
    assert.equal((await as("PUT", `/api/v1/experiments/${eid}/labels/production`, { version: 1 })).status, 200);

    const analysis = await as("POST", `/api/v1/projects/${pid}/analyses`, {
      kinds: ["static", "ai"],
      experimentId: eid,
      label: "production",
      paths: ["lib/**"],
    });
    assert.equal(analysis.status, 202);
    assert.equal(analysis.body.status, "queued");
    const aid = String(analysis.body.id);
    // The progress stream (SSE) runs until the job ends.
    const events = await fetch(`${mesh.url}/api/v1/analyses/${aid}/events`, {
      headers: { authorization: `Bearer ${owner.accessToken}` },
    });
    assert.equal(events.headers.get("content-type")?.split(";")[0], "text/event-stream");
    const stream = await events.text();
    assert.match(stream, /event: (progress|end)/);
    const result = await as("GET", `/api/v1/analyses/${aid}`);
    assert.equal(result.body.status, "succeeded", JSON.stringify(result.body));
    const all: Record<string, unknown>[] = [];
    for (let cursor: unknown = undefined, first = true; first || cursor; first = false) {
      const page = await as(
        "GET",
        `/api/v1/analyses/${aid}/findings?limit=100${cursor ? `&cursor=${String(cursor)}` : ""}`,
      );
      all.push(...page.body.items!);
      cursor = page.body.nextCursor;
    }
    const sources = new Set(all.map((f) => f.source));
    assert.ok(sources.has("static") && sources.has("ai"), `sources: ${[...sources].join(",")}`);
    const sarif = await as("GET", `/api/v1/analyses/${aid}/sarif`);
    assert.equal(sarif.body.version, "2.1.0");

    const comparison = await as("POST", "/api/v1/comparisons", {
      experimentId: eid,
      baselineVersion: 1,
      candidateVersion: 2,
      projectId: pid,
      paths: ["lib/**"],
    });
    assert.equal(comparison.status, 202);
    let compared: Awaited<ReturnType<typeof as>> | undefined;
    for (let i = 0; i < 240; i++) {
      compared = await as("GET", `/api/v1/comparisons/${comparison.body.id}`);
      if (["succeeded", "failed"].includes(String(compared.body.status))) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(compared!.body.status, "succeeded", JSON.stringify(compared!.body));
    assert.equal((compared!.body.variants as unknown[]).length, 2);
    assert.ok("jaccard" in (compared!.body.overlap as object));

    const ab = await as("POST", "/api/v1/ab-tests", {
      experimentId: eid,
      variants: [
        { version: 1, weight: 50 },
        { version: 2, weight: 50 },
      ],
      metric: "acceptance_rate",
    });
    assert.equal(ab.status, 201);
    const tid = String(ab.body.id);
    const first = await as("GET", `/api/v1/ab-tests/${tid}/assignment?subject=dev-1`);
    assert.equal(
      (await as("GET", `/api/v1/ab-tests/${tid}/assignment?subject=dev-1`)).body.variant,
      first.body.variant,
      "sticky",
    );
    // 400 subjects; version 2 is accepted far more often, so it wins significantly.
    for (let i = 0; i < 400; i++) {
      const subject = `dev-${i}`;
      const v = (await as("GET", `/api/v1/ab-tests/${tid}/assignment?subject=${subject}`)).body.variant;
      await as("POST", `/api/v1/ab-tests/${tid}/events`, { subject, type: "exposure" });
      const accept = v === 2 ? i % 10 < 8 : i % 10 < 3;
      await as("POST", `/api/v1/ab-tests/${tid}/events`, { subject, type: accept ? "accept" : "reject" });
    }
    const results = await as("GET", `/api/v1/ab-tests/${tid}/results`);
    assert.equal(results.body.significant, true, JSON.stringify(results.body));
    assert.equal(results.body.sampleRatioMismatch, false);
    assert.equal((await as("POST", `/api/v1/ab-tests/${tid}/stop`, { promote: true })).status, 200);
    const labels = await as("GET", `/api/v1/experiments/${eid}`);
    assert.match(JSON.stringify(labels.body), /"production"/);
    const history = await as("GET", `/api/v1/experiments/${eid}/labels/production/history`);
    assert.equal(
      (history.body.items as { version: number }[])[0]?.version ?? history.body.version,
      2,
      JSON.stringify(history.body),
    );
  });

  it("the official openai client works unchanged through the gateway, with an API key, for a completion and a stream", async () => {
    const key = await api(mesh.url, "POST", "/api/v1/auth/api-keys", {
      token: owner.accessToken,
      body: { name: "sdk" },
    });
    const client = new OpenAI({ baseURL: `${mesh.url}/api/v1/ai`, apiKey: String(key.body.key) });
    const models = await client.models.list();
    assert.ok(models.data.some((m) => m.id === "local-reviewer"));
    const completion = await client.chat.completions.create({
      model: "local-reviewer",
      messages: [
        {
          role: "user",
          content: "Review this:\n```js src/x.js\nconst password = 'hunter2hunter2';\neval(input);\n```",
        },
      ],
    });
    assert.match(completion.choices[0]?.message.content ?? "", /findings/);
    const stream = await client.chat.completions.create({
      model: "local-reviewer",
      stream: true,
      messages: [{ role: "user", content: "hello" }],
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    assert.ok(text.length > 0);
  });
});
