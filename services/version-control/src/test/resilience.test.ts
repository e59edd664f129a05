import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeUser, startMesh, validConfig, type Mesh } from "../testing/harness.js";

/** The project service dies and comes back: version-control fails fast with 503 and recovers by itself. */
describe("project service down", () => {
  let mesh: Mesh;
  const owner = makeUser("owner");
  let bound: string;
  let free: string;

  before(async () => {
    mesh = await startMesh();
    const projectId = await mesh.projectWith(owner, []);
    bound = String((await mesh.api.post(owner, "/api/v1/experiments", { name: "bound", projectId })).body.id);
    free = String((await mesh.api.post(owner, "/api/v1/experiments", { name: "free" })).body.id);
    assert.equal(
      (await mesh.api.post(owner, `/api/v1/experiments/${bound}/versions`, { config: validConfig() })).status,
      201,
    );
  });
  after(() => mesh.close());

  it("answers 503 naming the project service in milliseconds, keeps serving what does not need it, and recovers", async () => {
    await mesh.project.stopPart();

    const timings: number[] = [];
    for (let i = 0; i < 12; i++) {
      const started = performance.now();
      const res = await mesh.api.get(owner, `/api/v1/experiments/${bound}`);
      timings.push(performance.now() - started);
      assert.equal(res.status, 503);
      assert.equal(res.body.dependency, "project");
      assert.match(res.headers.get("content-type") ?? "", /problem\+json/);
    }
    assert.ok(Math.max(...timings) < 1500, `slowest 503 took ${Math.max(...timings)} ms`);
    const lastFew = timings.slice(-5);
    assert.ok(
      lastFew.every((t) => t < 250),
      `with the breaker open answers are immediate: ${lastFew.map(Math.round).join(",")} ms`,
    );
    // Open (2), or half-open (1) if its reset timer already fired: either way not closed.
    const metrics = await (await fetch(`http://127.0.0.1:${mesh.vc.httpPort}/metrics`)).text();
    assert.match(metrics, /circuit_breaker_state\{[^}]*breaker="project\.default"[^}]*\} [12]/);
    assert.equal(
      (await mesh.api.post(owner, `/api/v1/experiments/${bound}/versions`, { config: validConfig() })).status,
      503,
    );

    // Experiments outside projects do not need the project service.
    assert.equal((await mesh.api.get(owner, `/api/v1/experiments/${free}`)).status, 200);
    assert.equal(
      (await mesh.api.post(owner, `/api/v1/experiments/${free}/versions`, { config: validConfig() })).status,
      201,
    );

    const ready = await fetch(`http://127.0.0.1:${mesh.vc.httpPort}/ready`);
    const body = (await ready.json()) as { components: { name: string; status: string }[] };
    assert.equal(ready.status, 200, "the project service is not critical for readiness");
    assert.equal(body.components.find((c) => c.name === "project")?.status, "down");

    await mesh.project.restartPart();
    let status = 0;
    const deadline = Date.now() + 10_000;
    while (status !== 200 && Date.now() < deadline) {
      status = (await mesh.api.get(owner, `/api/v1/experiments/${bound}`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200, "recovered without a restart of version-control");
    assert.equal(
      (await mesh.api.post(owner, `/api/v1/experiments/${bound}/versions`, { config: validConfig() })).status,
      201,
    );
  });
});
