import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, newUser, startMesh, type Mesh } from "../mesh.js";
import { concretePath, operations, type Operation } from "../openapi.js";

type User = Awaited<ReturnType<typeof newUser>>;

/**
 * Tenant isolation across every resource kind: an outsider gets exactly what a made-up id
 * gets (404 — ids do not leak), a viewer reads but never writes. Routes come from the OpenAPI
 * document, so a new route is covered the day it is documented.
 */
describe("security: tenants", () => {
  let mesh: Mesh;
  let ops: Operation[];
  let owner: User, viewer: User, outsider: User;
  const ids: Record<string, Record<string, string>> = {};

  before(async () => {
    mesh = await startMesh({ env: { RATE_LIMIT_USER: "1000000", RATE_LIMIT_ANONYMOUS: "1000000" } });
    ops = operations((await api(mesh.url, "GET", "/api/openapi.json")).body as never);
    [owner, viewer, outsider] = [await newUser(mesh.url), await newUser(mesh.url), await newUser(mesh.url)];
    const as = (method: string, route: string, body?: unknown) =>
      api(mesh.url, method, route, { token: owner.accessToken, body });
    const must = async (p: ReturnType<typeof as>, status: number) => {
      const res = await p;
      assert.equal(res.status, status, JSON.stringify(res.body));
      return res.body;
    };
    const project = await must(as("POST", "/api/v1/projects", { name: "tenant-a" }), 201);
    const files = await must(
      as("POST", `/api/v1/projects/${project.id}/files`, {
        path: "src/a.ts",
        content: "export const a = eval('1');\n",
      }),
      201,
    );
    await must(as("POST", `/api/v1/projects/${project.id}/members`, { email: viewer.email, role: "viewer" }), 201);
    const experiment = await must(as("POST", "/api/v1/experiments", { name: "exp-a", projectId: project.id }), 201);
    const config = { model: "local-reviewer", promptTemplate: "Review {{path}}:\n{{code}}" };
    await must(as("POST", `/api/v1/experiments/${experiment.id}/versions`, { config }), 201);
    await must(
      as("POST", `/api/v1/experiments/${experiment.id}/versions`, { config: { ...config, temperature: 0.2 } }),
      201,
    );
    await must(as("PUT", `/api/v1/experiments/${experiment.id}/labels/staging`, { version: 1 }), 200);
    const analysis = await must(as("POST", `/api/v1/projects/${project.id}/analyses`, { kinds: ["static"] }), 202);
    const comparison = await must(
      as("POST", "/api/v1/comparisons", {
        experimentId: experiment.id,
        baselineVersion: 1,
        candidateVersion: 2,
        projectId: project.id,
      }),
      202,
    );
    const abTest = await must(
      as("POST", "/api/v1/ab-tests", {
        experimentId: experiment.id,
        variants: [
          { version: 1, weight: 50 },
          { version: 2, weight: 50 },
        ],
        metric: "acceptance_rate",
      }),
      201,
    );
    const fileId = String((files.items as { id: string }[])[0]!.id);
    // userId is the owner: a viewer may leave a project, never remove someone else.
    ids["/api/v1/projects/{id}"] = { id: String(project.id), fileId, userId: owner.id };
    ids["/api/v1/experiments/{id}"] = { id: String(experiment.id), n: "1", a: "1", b: "2", label: "staging" };
    ids["/api/v1/analyses/{id}"] = { id: String(analysis.id) };
    ids["/api/v1/comparisons/{id}"] = { id: String(comparison.id) };
    ids["/api/v1/ab-tests/{id}"] = { id: String(abTest.id) };
  });
  after(async () => mesh?.stop());

  const tenantOps = () =>
    ops.flatMap((op) => {
      const prefix = Object.keys(ids).find((p) => op.path === p || op.path.startsWith(`${p}/`));
      return prefix ? [{ op, values: ids[prefix]! }] : [];
    });
  const call = (user: User, op: Operation, path: string) =>
    api(mesh.url, op.method, path, {
      token: user.accessToken,
      ...(op.method === "GET" || op.method === "DELETE" ? {} : { body: {} }),
      headers: op.path.endsWith("/events") ? { accept: "text/event-stream" } : {},
    });

  it("an outsider gets exactly what a made-up id gets (404), on every route of every resource kind", async () => {
    const cases = tenantOps();
    assert.ok(cases.length >= 25, `${cases.length} tenant routes`);
    for (const { op, values } of cases) {
      const real = await call(outsider, op, concretePath(op.path, values));
      const madeUp = await call(outsider, op, concretePath(op.path));
      assert.equal(
        real.status,
        madeUp.status,
        `${op.method} ${op.path}: real id ${real.status} vs made-up id ${madeUp.status}`,
      );
      if (op.method === "GET") assert.equal(real.status, 404, `${op.method} ${op.path} → ${real.status}`);
      assert.ok(real.status >= 400, `${op.method} ${op.path} gave an outsider ${real.status}`);
    }
  });

  it("a viewer reads everything of the project and writes nothing", async () => {
    for (const { op, values } of tenantOps()) {
      if (op.path.startsWith("/api/v1/comparisons") || op.path.startsWith("/api/v1/ab-tests")) continue;
      const res = await call(viewer, op, concretePath(op.path, values));
      if (op.method === "GET") assert.ok(res.status < 300, `viewer GET ${op.path} → ${res.status}`);
      else assert.ok(res.status >= 400 && res.status !== 404, `viewer ${op.method} ${op.path} → ${res.status}`);
    }
  });
});
