import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, describe, test } from "node:test";
import Ajv04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import { startPart, type RunningPart } from "@crm/kit";
import part from "../part.js";
import { packageRoot, sourceFiles, tarball } from "./fixtures.js";
import { call, OUTSIDER, OWNER, startMesh, until, type Mesh } from "./mesh.js";

const require = createRequire(import.meta.url);

let mesh: Mesh;
let analysis: RunningPart;
let api: string;
let projectApi: string;
let projectId: string;
let analysisId: string;
const files = new Map<string, string>();

const http = (method: string, path: string, opts: Parameters<typeof call>[4] = {}) =>
  call(mesh, api, method, path, { as: OWNER, ...opts });

async function finished(id: string) {
  return until(async () => {
    const res = await http("GET", `/api/v1/analyses/${id}`);
    return ["succeeded", "failed", "cancelled"].includes(res.body.status) ? res.body : undefined;
  }, 120_000);
}

async function allFindings(id: string) {
  const items = [];
  let cursor: string | null = null;
  do {
    const res: { body: { items: unknown[]; nextCursor: string | null } } = await http(
      "GET",
      `/api/v1/analyses/${id}/findings?limit=100${cursor ? `&cursor=${cursor}` : ""}`,
    );
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the API
  return items as any[];
}

before(async () => {
  mesh = await startMesh();
  analysis = await startPart(part, { env: mesh.analysisEnv() });
  api = `http://127.0.0.1:${analysis.httpPort}`;
  projectApi = mesh.env.PROJECT_URL!;
  const created = await call(mesh, projectApi, "POST", "/api/v1/projects", {
    as: OWNER,
    body: { name: "picomatch" },
  });
  assert.equal(created.status, 201, created.text);
  projectId = created.body.id;
  // Real code no one here wrote: picomatch's own sources, uploaded as a repository tarball.
  const sources = sourceFiles(packageRoot("picomatch"));
  for (const f of sources) files.set(f.path, f.content);
  const upload = await call(mesh, projectApi, "POST", `/api/v1/projects/${projectId}/archive`, {
    as: OWNER,
    raw: await tarball(sources),
    contentType: "application/gzip",
  });
  assert.equal(upload.status, 201, upload.text);
});

after(async () => {
  await analysis?.stop();
  await mesh?.close();
});

describe("when a member analyses a project uploaded as a tarball", () => {
  test("then the job is queued at once (202) and succeeds with progress done = total", async () => {
    const res = await http("POST", `/api/v1/projects/${projectId}/analyses`, { body: {} });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.status, "queued");
    assert.equal(res.body.progress.total, files.size);
    analysisId = res.body.id;
    const done = await finished(analysisId);
    assert.equal(done.status, "succeeded", JSON.stringify(done));
    assert.deepEqual(done.progress, { done: files.size, total: files.size });
    assert.ok(done.summary.total > 0);
    assert.equal(
      Object.values(done.summary.bySeverity as Record<string, number>).reduce((a, b) => a + b, 0),
      done.summary.total,
    );
    assert.ok(["passed", "failed"].includes(done.qualityGate.status));
    assert.ok(done.finishedAt && done.startedAt);
  });

  test("then static and AI findings are both present, each on a line that exists in its file", async () => {
    const findings = await allFindings(analysisId);
    assert.ok(
      findings.some((f) => f.source === "static"),
      "static findings",
    );
    assert.ok(
      findings.some((f) => f.source === "ai"),
      "AI findings",
    );
    for (const f of findings) {
      const content = files.get(f.path);
      assert.ok(content !== undefined, `unknown path ${f.path}`);
      const lines = content.split("\n").length - (content.endsWith("\n") ? 1 : 0);
      assert.ok(f.line >= 1 && f.line <= lines, `${f.path}:${f.line} outside 1..${lines}`);
      if (f.endLine !== undefined) assert.ok(f.endLine >= f.line && f.endLine <= lines);
      assert.ok(f.provenance.analyzer);
    }
    const ai = findings.find((f) => f.source === "ai");
    assert.ok(ai.provenance.model && ai.provenance.requestId, "AI provenance: model and request id");
    assert.equal(typeof ai.provenance.inputTokens, "number");
  });

  test("then findings filter by severity and path and page with a cursor", async () => {
    const all = await allFindings(analysisId);
    const severity = all[0].severity;
    const bySeverity = await http("GET", `/api/v1/analyses/${analysisId}/findings?severity=${severity}&limit=100`);
    assert.ok(bySeverity.body.items.length > 0);
    assert.ok(bySeverity.body.items.every((f: { severity: string }) => f.severity === severity));
    const path = all[0].path;
    const byPath = await http("GET", `/api/v1/analyses/${analysisId}/findings?path=${encodeURIComponent(path)}`);
    assert.ok(byPath.body.items.every((f: { path: string }) => f.path === path));
    const page = await http("GET", `/api/v1/analyses/${analysisId}/findings?limit=1`);
    assert.equal(page.body.items.length, 1);
    assert.ok(page.body.nextCursor);
    const bad = await http("GET", `/api/v1/analyses/${analysisId}/findings?severity=urgent`);
    assert.equal(bad.status, 400);
  });

  test("then the SARIF validates against the official SARIF 2.1.0 schema", async () => {
    const res = await http("GET", `/api/v1/analyses/${analysisId}/sarif`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /application\/sarif\+json/);
    // The OASIS SARIF 2.1.0 schema (JSON Schema draft-04) as Microsoft's SARIF tooling ships it.
    const schema = require("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json") as Record<string, unknown>;
    // unicodeRegExp off: one pattern of the published schema is not valid with the `u` flag.
    const ajv = new Ajv04.default({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const sarif = res.body as { runs: { results: unknown[] }[] };
    assert.ok(validate(structuredClone(sarif)), JSON.stringify(validate.errors?.slice(0, 5)));
    const results = sarif.runs.flatMap((r) => r.results);
    assert.equal(results.length, (await allFindings(analysisId)).length);
  });

  test("then the event stream replays the end of a finished job and closes", async () => {
    const res = await fetch(`${api}/api/v1/analyses/${analysisId}/events`, {
      headers: { "x-mesh-identity": mesh.token(OWNER) },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    const text = await res.text();
    assert.match(text, /event: progress/);
    assert.match(text, /event: end/);
  });

  test("then the OpenAPI paths describe the routes", async () => {
    const res = await call(mesh, api, "GET", "/openapi.json");
    assert.equal(res.status, 200);
    assert.ok(res.body.paths["/api/v1/analyses/{id}/sarif"]);
    assert.ok(res.body.paths["/api/v1/projects/{id}/analyses"].post);
  });
});

describe("when someone outside the project asks", () => {
  test("then every analysis route answers 404", async () => {
    const as = OUTSIDER;
    const routes: [string, string, unknown?][] = [
      ["POST", `/api/v1/projects/${projectId}/analyses`, {}],
      ["GET", `/api/v1/projects/${projectId}/analyses`],
      ["GET", `/api/v1/analyses/${analysisId}`],
      ["GET", `/api/v1/analyses/${analysisId}/findings`],
      ["GET", `/api/v1/analyses/${analysisId}/sarif`],
      ["GET", `/api/v1/analyses/${analysisId}/events`],
      ["POST", `/api/v1/analyses/${analysisId}/cancel`],
    ];
    for (const [method, path, body] of routes) {
      const res = await http(method, path, { as, ...(body !== undefined ? { body } : {}) });
      assert.equal(res.status, 404, `${method} ${path}: ${res.status}`);
    }
  });

  test("then requests without a mesh identity get 401", async () => {
    const res = await call(mesh, api, "GET", `/api/v1/analyses/${analysisId}`);
    assert.equal(res.status, 401);
  });
});

describe("when the request is wrong", () => {
  test("then it gets a 400 naming the problem", async () => {
    const cases: unknown[] = [
      { kinds: ["magic"] },
      { version: 2 },
      { experimentId: "00000000-0000-4000-8000-000000000000", version: 1, label: "production" },
      { paths: ["nothing/**"] },
      { diff: "not a diff" },
      { unknown: true },
    ];
    for (const body of cases) {
      const res = await http("POST", `/api/v1/projects/${projectId}/analyses`, { body });
      assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.status} ${res.text}`);
      assert.match(res.headers.get("content-type") ?? "", /problem\+json/);
    }
  });
});
