import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, newUser, startMesh, type Mesh } from "../mesh.js";
import { eventually, load } from "./helpers.js";

/**
 * Faults in the mesh itself: a service killed under load, and SIGTERM to parts with requests
 * in flight. Every part runs as its own process, as in a deployment.
 */
describe("faults: services", () => {
  let mesh: Mesh;
  let user: Awaited<ReturnType<typeof newUser>>;

  before(async () => {
    mesh = await startMesh({
      parts: ["auth", "project", "version-control", "gateway"],
      env: { RATE_LIMIT_PER_MINUTE: "1000000" },
    });
    user = await newUser(mesh.url);
  });
  after(async () => mesh?.stop());

  it("kill -9 one service under load: others keep succeeding, its routes fail fast with 503, it is used again after restart", async () => {
    const projects = load(4, () => api(mesh.url, "GET", "/api/v1/projects", { token: user.accessToken }));
    const experiments = load(4, () => api(mesh.url, "GET", "/api/v1/experiments", { token: user.accessToken }));
    await new Promise((r) => setTimeout(r, 500));
    const killedAt = Date.now();
    await mesh.kill("version-control", "SIGKILL");
    await new Promise((r) => setTimeout(r, 1500));
    const openStart = Date.now();
    await new Promise((r) => setTimeout(r, 500));
    await mesh.start("version-control");
    const restartedAt = Date.now();
    await eventually(
      async () => (await api(mesh.url, "GET", "/api/v1/experiments", { token: user.accessToken })).status === 200,
    );
    const projectResults = await projects.stop();
    const experimentResults = await experiments.stop();

    const projectFailures = projectResults.filter((r) => r.error || r.value!.status !== 200);
    assert.equal(
      projectFailures.length,
      0,
      `project requests failed while version-control was down: ${projectFailures.length}`,
    );
    const down = experimentResults.filter((r) => r.at > openStart && r.at < restartedAt);
    assert.ok(down.length > 0);
    for (const r of down) {
      assert.equal(r.value?.status, 503);
      assert.equal(r.value?.headers.get("content-type")?.split(";")[0], "application/problem+json");
      assert.match(JSON.stringify(r.value?.body), /version-control/);
    }
    // Fail fast: while the breaker is open, the whole loop spins at loopback speed.
    const perRequestMs = (restartedAt - openStart) / Math.max(1, down.length / 4);
    assert.ok(perRequestMs < 50, `~${perRequestMs.toFixed(1)} ms per failed request`);
    assert.ok(experimentResults.some((r) => r.at < killedAt && r.value?.status === 200));
  });

  for (const part of ["auth", "project", "gateway"] as const) {
    it(`SIGTERM to ${part} with requests in flight: every in-flight request completes`, async () => {
      const send = () =>
        part === "project"
          ? api(mesh.url, "POST", "/api/v1/projects", { token: user.accessToken, body: { name: `p-${Math.random()}` } })
          : api(mesh.url, "POST", "/api/v1/auth/login", { body: { email: user.email, password: user.password } });
      const inflight = Array.from({ length: 12 }, send);
      await new Promise((r) => setTimeout(r, part === "project" ? 15 : 40));
      const exit = mesh.kill(part, "SIGTERM");
      const results = await Promise.allSettled(inflight);
      assert.equal(await exit, 0, `${part} exits 0 after draining`);
      const failed = results.filter((r) => r.status === "rejected" || r.value.status >= 500);
      assert.equal(
        failed.length,
        0,
        `${failed.length} in-flight requests failed: ${JSON.stringify(failed.slice(0, 2))}`,
      );
      await mesh.start(part);
      await eventually(
        async () => (await api(mesh.url, "GET", "/api/v1/auth/me", { token: user.accessToken })).status === 200,
      );
    });
  }
});
