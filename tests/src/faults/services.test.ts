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
      // As deployed: readiness fails first and the listener stays open for a moment, so requests a
      // peer already sent (still in the accept backlog) are served rather than reset.
      env: { RATE_LIMIT_USER: "1000000", RATE_LIMIT_ANONYMOUS: "1000000", SHUTDOWN_DELAY_MS: "500" },
    });
    user = await newUser(mesh.url);
  });
  after(async () => mesh?.stop());

  it("kill -9 one service under load: others keep succeeding, its routes fail fast with 503, it is used again after restart", async () => {
    // Warm both paths first (connection pools, JIT) so the load measures steady state.
    for (let i = 0; i < 3; i++) {
      assert.equal((await api(mesh.url, "GET", "/api/v1/projects", { token: user.accessToken })).status, 200);
      assert.equal((await api(mesh.url, "GET", "/api/v1/experiments", { token: user.accessToken })).status, 200);
    }
    const projects = load(4, () => api(mesh.url, "GET", "/api/v1/projects", { token: user.accessToken }));
    const experiments = load(4, () => api(mesh.url, "GET", "/api/v1/experiments", { token: user.accessToken }));
    await new Promise((r) => setTimeout(r, 1000));
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
    const before = experimentResults.filter((r) => r.at < killedAt);
    assert.ok(
      before.some((r) => r.value?.status === 200),
      `experiments answered before the kill: ${JSON.stringify(before.slice(0, 3).map((r) => r.value?.body ?? String(r.error)))}`,
    );
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
