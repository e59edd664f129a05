import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { startProcess, type ProcessHandle } from "@crm/kit/testing";
import { packageRoot, sourceFiles, tarball } from "./fixtures.js";
import { call, OWNER, sleep, startMesh, until, type Mesh } from "./mesh.js";

const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));

let mesh: Mesh;
let projectId: string;
let fileCount = 0;
const running: ProcessHandle[] = [];

/** The analysis service as its own process, as a container would run it. */
async function startAnalysis(): Promise<{ proc: ProcessHandle; api: string }> {
  const proc = await startProcess({
    args: [MAIN],
    env: mesh.analysisEnv({ LOG_LEVEL: "info", ANALYSIS_CONCURRENCY: "1" }),
    parts: ["analysis"],
  });
  running.push(proc);
  return { proc, api: proc.url("analysis") };
}

const get = (api: string, path: string) => call(mesh, api, "GET", path, { as: OWNER });

async function allFindings(api: string, id: string) {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(api, `/api/v1/analyses/${id}/findings?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
    items.push(...(res.body.items as Record<string, unknown>[]));
    cursor = res.body.nextCursor as string | null;
  } while (cursor);
  return items;
}

const key = (f: Record<string, unknown>) => [f.path, f.line, f.endLine, f.rule, f.source, f.message].join("|");

before(async () => {
  mesh = await startMesh();
  const created = await call(mesh, mesh.env.PROJECT_URL!, "POST", "/api/v1/projects", {
    as: OWNER,
    body: { name: "many files" },
  });
  projectId = created.body.id;
  // Enough real files (picomatch, copied under several folders) that a job is still running when killed.
  const sources = sourceFiles(packageRoot("picomatch"));
  const copies = Array.from({ length: 12 }, (_, i) =>
    sources.map((f) => ({ ...f, path: `copy-${i}/${f.path}` })),
  ).flat();
  fileCount = copies.length;
  const upload = await call(mesh, mesh.env.PROJECT_URL!, "POST", `/api/v1/projects/${projectId}/archive`, {
    as: OWNER,
    raw: await tarball(copies),
    contentType: "application/gzip",
  });
  assert.equal(upload.status, 201, upload.text);
});

after(async () => {
  for (const p of running) await p.stop("SIGKILL").catch(() => undefined);
  await mesh?.close();
});

test("when the service is killed mid-job and started again, then the job finishes once with no duplicate findings", async () => {
  const first = await startAnalysis();
  const res = await call(mesh, first.api, "POST", `/api/v1/projects/${projectId}/analyses`, { as: OWNER, body: {} });
  assert.equal(res.status, 202, res.text);
  const id = res.body.id as string;
  await until(
    async () => {
      const a = await get(first.api, `/api/v1/analyses/${id}`);
      return a.body.progress.done >= 2 ? true : undefined;
    },
    60_000,
    10,
  );
  first.proc.child.kill("SIGKILL");
  await first.proc.exited;

  const second = await startAnalysis();
  const midway = await get(second.api, `/api/v1/analyses/${id}`);
  assert.ok(midway.body.progress.done < fileCount, "killed before the end");
  assert.ok(["running", "queued"].includes(midway.body.status));

  const done = await until(
    async () => {
      const a = await get(second.api, `/api/v1/analyses/${id}`);
      return ["succeeded", "failed", "cancelled"].includes(a.body.status) ? a.body : undefined;
    },
    180_000,
    200,
  );
  assert.equal(done.status, "succeeded", JSON.stringify(done));
  assert.deepEqual(done.progress, { done: fileCount, total: fileCount });

  const findings = await allFindings(second.api, id);
  const keys = findings.map(key);
  assert.equal(new Set(keys).size, keys.length, "no duplicate findings");
  assert.equal(done.summary.total, findings.length);

  // The same job, uninterrupted, finds exactly the same.
  const again = await call(mesh, second.api, "POST", `/api/v1/projects/${projectId}/analyses`, { as: OWNER, body: {} });
  const reference = await until(
    async () => {
      const a = await get(second.api, `/api/v1/analyses/${again.body.id}`);
      return a.body.status === "succeeded" ? a.body : undefined;
    },
    180_000,
    200,
  );
  assert.equal(reference.summary.total, findings.length);
  assert.deepEqual((await allFindings(second.api, again.body.id)).map(key).sort(), [...keys].sort());
});

test("when an analysis is cancelled, then it answers 202, stops, and makes no further progress", async () => {
  const { api } = running.length > 1 ? { api: running[1]!.url("analysis") } : await startAnalysis();
  const res = await call(mesh, api, "POST", `/api/v1/projects/${projectId}/analyses`, { as: OWNER, body: {} });
  const id = res.body.id as string;
  await until(
    async () => ((await get(api, `/api/v1/analyses/${id}`)).body.progress.done >= 1 ? true : undefined),
    60_000,
    10,
  );
  const cancel = await call(mesh, api, "POST", `/api/v1/analyses/${id}/cancel`, { as: OWNER });
  assert.equal(cancel.status, 202);
  const stopped = await until(async () => {
    const a = await get(api, `/api/v1/analyses/${id}`);
    return a.body.status === "cancelled" ? a.body : undefined;
  });
  await sleep(1500);
  const later = await get(api, `/api/v1/analyses/${id}`);
  assert.equal(later.body.status, "cancelled");
  assert.ok(later.body.progress.done < fileCount);
  assert.ok(later.body.progress.done <= stopped.progress.done + 1, "at most the file in flight completes");
  const again = await call(mesh, api, "POST", `/api/v1/analyses/${id}/cancel`, { as: OWNER });
  assert.equal(again.status, 202);
  assert.equal(again.body.status, "cancelled");
});
