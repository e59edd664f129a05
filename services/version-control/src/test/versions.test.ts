import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { configHash } from "../domain/review-config.js";
import { makeUser, startMesh, validConfig, type Mesh } from "../testing/harness.js";

interface Version {
  experimentId: string;
  version: number;
  configHash: string;
  parentVersion: number | null;
  createdBy: string;
  createdAt: string;
  message: string | null;
  config: Record<string, unknown>;
}

/** Versions: immutable, numbered without gaps under concurrency, validated, hashed canonically, diffable. */
describe("versions", () => {
  let mesh: Mesh;
  const alice = makeUser("alice");
  const create = async () => String((await mesh.api.post(alice, "/api/v1/experiments", { name: "v" })).body.id);
  const post = (id: string, body: unknown) =>
    mesh.api.post<Version & Record<string, unknown>>(alice, `/api/v1/experiments/${id}/versions`, body);

  before(async () => {
    mesh = await startMesh();
  });
  after(() => mesh.close());

  it("when a version is created, then 201 {version, configHash, parentVersion, createdBy, createdAt, config}", async () => {
    const id = await create();
    const config = validConfig({ note: "extra fields are kept" });
    const first = await post(id, { config, message: "first" });
    assert.equal(first.status, 201);
    assert.equal(first.body.version, 1);
    assert.equal(first.body.parentVersion, null);
    assert.equal(first.body.createdBy, alice.sub);
    assert.equal(first.body.message, "first");
    assert.deepEqual(first.body.config, config);
    assert.equal(first.body.configHash, configHash(config));
    assert.ok(!Number.isNaN(Date.parse(first.body.createdAt)));
    const second = await post(id, { config: validConfig({ temperature: 0.7 }) });
    assert.equal(second.body.version, 2);
    assert.equal(second.body.parentVersion, 1);
    const branch = await post(id, { config: validConfig(), parentVersion: 1 });
    assert.equal(branch.body.version, 3);
    assert.equal(branch.body.parentVersion, 1);
    assert.equal((await post(id, { config: validConfig(), parentVersion: 9 })).status, 400);
    assert.equal(
      (await mesh.api.get<{ latestVersion: number }>(alice, `/api/v1/experiments/${id}`)).body.latestVersion,
      3,
    );
  });

  it("when the same config is sent with keys in another order, then the configHash is the same (RFC 8785)", async () => {
    const id = await create();
    const a = await post(id, {
      config: {
        model: "m",
        promptTemplate: "{{code}}",
        temperature: 1,
        staticRules: { include: ["a"], exclude: ["b"] },
      },
    });
    const b = await post(id, {
      config: {
        staticRules: { exclude: ["b"], include: ["a"] },
        temperature: 1.0,
        promptTemplate: "{{code}}",
        model: "m",
      },
    });
    assert.equal(a.body.configHash, b.body.configHash);
    const c = await post(id, { config: { model: "m", promptTemplate: "{{code}}", temperature: 0.9 } });
    assert.notEqual(a.body.configHash, c.body.configHash);
  });

  it("when the config breaks the review-config schema, then 400 names each field", async () => {
    const id = await create();
    const cases: [Record<string, unknown>, string][] = [
      [{ promptTemplate: "{{code}}" }, "body.config.model"],
      [{ model: "has spaces", promptTemplate: "{{code}}" }, "body.config.model"],
      [{ model: "m", promptTemplate: "no placeholder" }, "body.config.promptTemplate"],
      [{ model: "m", promptTemplate: "{{code}} {{secrets}}" }, "body.config.promptTemplate"],
      [{ model: "m", promptTemplate: "{{code}}", temperature: 3 }, "body.config.temperature"],
      [{ model: "m", promptTemplate: "{{code}}", maxTokens: 0 }, "body.config.maxTokens"],
      [{ model: "m", promptTemplate: "{{code}}", maxTokens: 1.5 }, "body.config.maxTokens"],
      [{ model: "m", promptTemplate: "{{code}}", staticRules: "all" }, "body.config.staticRules"],
    ];
    for (const [config, path] of cases) {
      const res = await post(id, { config });
      assert.equal(res.status, 400, JSON.stringify(config));
      assert.ok(
        (res.body.errors as unknown as { path: string }[]).some((e) => e.path === path),
        `${JSON.stringify(res.body.errors)} has ${path}`,
      );
    }
    assert.equal((await post(id, {})).status, 400);
    assert.equal(
      (await mesh.api.get<{ latestVersion: number }>(alice, `/api/v1/experiments/${id}`)).body.latestVersion,
      0,
      "nothing was written",
    );
  });

  it("when versions are read, then list and one match what was created, and nothing can change them", async () => {
    const id = await create();
    for (let i = 0; i < 5; i++) await post(id, { config: validConfig({ temperature: i / 10 }) });
    const list = await mesh.api.get<{ items: Version[]; nextCursor: string | null }>(
      alice,
      `/api/v1/experiments/${id}/versions?limit=3`,
    );
    assert.deepEqual(
      list.body.items.map((v) => v.version),
      [1, 2, 3],
    );
    const rest = await mesh.api.get<{ items: Version[]; nextCursor: string | null }>(
      alice,
      `/api/v1/experiments/${id}/versions?limit=3&cursor=${list.body.nextCursor}`,
    );
    assert.deepEqual(
      rest.body.items.map((v) => v.version),
      [4, 5],
    );
    assert.equal(rest.body.nextCursor, null);
    const one = await mesh.api.get<Version>(alice, `/api/v1/experiments/${id}/versions/4`);
    assert.equal(one.body.config.temperature, 0.3);
    assert.equal((await mesh.api.get(alice, `/api/v1/experiments/${id}/versions/6`)).status, 404);
    assert.equal((await mesh.api.get(alice, `/api/v1/experiments/${id}/versions/zero`)).status, 400);
    // Immutable: there is no route that changes or deletes a version.
    assert.equal(
      (await mesh.api.put(alice, `/api/v1/experiments/${id}/versions/4`, { config: validConfig() })).status,
      404,
    );
    assert.equal((await mesh.api.delete(alice, `/api/v1/experiments/${id}/versions/4`)).status, 404);
    assert.equal(
      (await mesh.api.get<Version>(alice, `/api/v1/experiments/${id}/versions/4`)).body.configHash,
      one.body.configHash,
    );
  });

  it("when two versions are diffed, then add/remove/replace changes with JSON pointers come back", async () => {
    const id = await create();
    await post(id, { config: validConfig({ staticRules: ["a"], systemPrompt: "be kind" }) });
    await post(id, { config: validConfig({ model: "claude-3", staticRules: ["a", "b"], temperature: undefined }) });
    const res = await mesh.api.get<{ changes: { op: string; path: string; from?: unknown; to?: unknown }[] }>(
      alice,
      `/api/v1/experiments/${id}/versions/1/diff/2`,
    );
    assert.equal(res.status, 200);
    const byPath = Object.fromEntries(res.body.changes.map((c) => [c.path, c]));
    assert.deepEqual(byPath["/model"], { op: "replace", path: "/model", from: "gpt-4o-mini", to: "claude-3" });
    assert.deepEqual(byPath["/staticRules/1"], { op: "add", path: "/staticRules/1", to: "b" });
    assert.deepEqual(byPath["/systemPrompt"], { op: "remove", path: "/systemPrompt", from: "be kind" });
    assert.deepEqual(byPath["/temperature"], { op: "remove", path: "/temperature", from: 0.2 });
    const same = await mesh.api.get<{ changes: unknown[] }>(alice, `/api/v1/experiments/${id}/versions/2/diff/2`);
    assert.deepEqual(same.body.changes, []);
    assert.equal((await mesh.api.get(alice, `/api/v1/experiments/${id}/versions/1/diff/7`)).status, 404);
  });

  it("when 20 writers create versions at once, then they get exactly 1..20", async () => {
    const id = await create();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(id, { config: validConfig({ temperature: i / 20 }), message: `w${i}` }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      Array(20).fill(201),
    );
    assert.deepEqual(
      results.map((r) => r.body.version).sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const list = await mesh.api.get<{ items: Version[] }>(alice, `/api/v1/experiments/${id}/versions?limit=100`);
    assert.deepEqual(
      list.body.items.map((v) => v.version),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    // Each stored version is the one its writer sent.
    for (const r of results) assert.equal(list.body.items[r.body.version - 1]!.message, r.body.message);
  });
});
