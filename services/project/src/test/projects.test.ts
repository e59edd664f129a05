import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { makeUser, startProjectHarness, type ProjectHarness } from "../testing/harness.js";

/** Contract rows of projects and members: success and failure cases over real HTTP and Postgres. */
describe("projects and members", () => {
  let h: ProjectHarness;
  const alice = makeUser("alice");
  const bob = makeUser("bob");
  const carol = makeUser("carol");

  before(async () => {
    h = await startProjectHarness();
    h.auth.add(alice, bob, carol);
  });
  after(() => h.close());

  it("when a user creates a project, then it answers 201 with the contract fields and the caller owns it", async () => {
    const res = await h.api.post(alice, "/api/v1/projects", { name: "  Mesh  ", description: "code" });
    assert.equal(res.status, 201);
    assert.equal(res.body.name, "Mesh");
    assert.equal(res.body.description, "code");
    assert.equal(res.body.ownerId, alice.sub);
    assert.equal(res.body.role, "owner");
    assert.match(String(res.body.id), /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(String(res.body.createdAt))));
    assert.ok(res.headers.get("x-request-id"));
    const got = await h.api.get(alice, `/api/v1/projects/${res.body.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, res.body);
  });

  it("when the body is invalid, then 400 problem+json lists each field", async () => {
    const res = await h.api.post(alice, "/api/v1/projects", { name: "", description: 5 });
    assert.equal(res.status, 400);
    assert.match(res.headers.get("content-type") ?? "", /application\/problem\+json/);
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path).sort();
    assert.deepEqual(paths, ["body.description", "body.name"]);
    assert.equal((await h.api.post(alice, "/api/v1/projects", "not an object")).status, 400);
  });

  it("when there is no identity or an anonymous one, then 401", async () => {
    assert.equal((await h.api.get(undefined, "/api/v1/projects")).status, 401);
    const anon = { sub: "anonymous", role: "anonymous" as const, via: "anonymous" as const };
    assert.equal((await h.api.get(anon, "/api/v1/projects")).status, 401);
  });

  it("when listing, then only the caller's projects come back, newest first, paged with a cursor", async () => {
    const dave = makeUser("dave");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(String((await h.api.post(dave, "/api/v1/projects", { name: `p${i}` })).body.id));
    await h.api.post(bob, "/api/v1/projects", { name: "not dave's" });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: { id: string; role: string }[]; nextCursor: string | null } } =
        await h.api.get(dave, `/api/v1/projects?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      assert.equal(res.status, 200);
      assert.ok(res.body.items.length <= 2);
      seen.push(...res.body.items.map((p) => p.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());
    assert.equal((await h.api.get(dave, "/api/v1/projects?limit=500")).status, 400);
    assert.equal((await h.api.get(dave, "/api/v1/projects?cursor=garbage")).status, 400);
  });

  it("when a project is patched and deleted, then the changes show and it is gone", async () => {
    const { body: p } = await h.api.post(alice, "/api/v1/projects", { name: "temp" });
    const patched = await h.api.patch(alice, `/api/v1/projects/${p.id}`, { description: null, name: "renamed" });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.name, "renamed");
    assert.equal(patched.body.description, null);
    assert.equal((await h.api.patch(alice, `/api/v1/projects/${p.id}`, {})).status, 400);
    assert.equal((await h.api.delete(alice, `/api/v1/projects/${p.id}`)).status, 204);
    assert.equal((await h.api.get(alice, `/api/v1/projects/${p.id}`)).status, 404);
    assert.equal((await h.api.delete(alice, `/api/v1/projects/${p.id}`)).status, 404);
  });

  it("when the id is unknown or not an id, then 404", async () => {
    assert.equal((await h.api.get(alice, `/api/v1/projects/${randomUUID()}`)).status, 404);
    assert.equal((await h.api.get(alice, "/api/v1/projects/not-a-uuid")).status, 404);
    assert.equal((await h.api.get(alice, "/api/v1/projects/not-a-uuid/files")).status, 404);
  });

  describe("members", () => {
    let projectId: string;
    before(async () => {
      projectId = String((await h.api.post(alice, "/api/v1/projects", { name: "team" })).body.id);
    });

    it("when the owner adds a user by e-mail, then 201 and the user gets that role", async () => {
      const res = await h.api.post(alice, `/api/v1/projects/${projectId}/members`, {
        email: bob.email.toUpperCase(),
        role: "viewer",
      });
      assert.equal(res.status, 201);
      assert.equal(res.body.userId, bob.sub);
      assert.equal(res.body.role, "viewer");
      assert.equal(res.body.email, bob.email);
      const seen = await h.api.get(bob, `/api/v1/projects/${projectId}`);
      assert.equal(seen.status, 200);
      assert.equal(seen.body.role, "viewer");
      const list = await h.api.get<{ items: { userId: string; role: string }[] }>(
        bob,
        `/api/v1/projects/${projectId}/members`,
      );
      assert.deepEqual(
        list.body.items.map((m) => [m.userId, m.role]).sort(),
        [
          [alice.sub, "owner"],
          [bob.sub, "viewer"],
        ].sort(),
      );
      const listed = await h.api.get<{ items: { id: string }[] }>(bob, "/api/v1/projects");
      assert.ok(listed.body.items.some((p) => p.id === projectId));
    });

    it("when an existing member is added again, then the role changes (200)", async () => {
      const res = await h.api.post(alice, `/api/v1/projects/${projectId}/members`, {
        email: bob.email,
        role: "editor",
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.role, "editor");
    });

    it("when the e-mail is unknown or the role invalid, then 404 / 400", async () => {
      const unknown = await h.api.post(alice, `/api/v1/projects/${projectId}/members`, {
        email: "nobody@example.test",
        role: "viewer",
      });
      assert.equal(unknown.status, 404);
      assert.match(String(unknown.body.detail), /nobody@example.test/);
      const bad = await h.api.post(alice, `/api/v1/projects/${projectId}/members`, {
        email: carol.email,
        role: "admin",
      });
      assert.equal(bad.status, 400);
      assert.equal(
        (await h.api.post(alice, `/api/v1/projects/${projectId}/members`, { email: "x", role: "viewer" })).status,
        400,
      );
    });

    it("when roles change, then the last owner can be neither demoted nor removed (409)", async () => {
      const demote = await h.api.patch(alice, `/api/v1/projects/${projectId}/members/${alice.sub}`, { role: "editor" });
      assert.equal(demote.status, 409);
      assert.equal((await h.api.delete(alice, `/api/v1/projects/${projectId}/members/${alice.sub}`)).status, 409);
      const promote = await h.api.patch(alice, `/api/v1/projects/${projectId}/members/${bob.sub}`, { role: "owner" });
      assert.equal(promote.status, 200);
      assert.equal(
        (await h.api.patch(alice, `/api/v1/projects/${projectId}/members/${alice.sub}`, { role: "editor" })).status,
        200,
      );
      assert.equal(
        (await h.api.patch(bob, `/api/v1/projects/${projectId}/members/${alice.sub}`, { role: "owner" })).status,
        200,
      );
      assert.equal(
        (await h.api.patch(alice, `/api/v1/projects/${projectId}/members/${randomUUID()}`, { role: "owner" })).status,
        404,
      );
    });

    it("when a member leaves or is removed, then they lose access (404)", async () => {
      await h.api.post(alice, `/api/v1/projects/${projectId}/members`, { email: carol.email, role: "viewer" });
      assert.equal((await h.api.delete(carol, `/api/v1/projects/${projectId}/members/${carol.sub}`)).status, 204);
      assert.equal((await h.api.get(carol, `/api/v1/projects/${projectId}`)).status, 404);
      assert.equal((await h.api.delete(alice, `/api/v1/projects/${projectId}/members/${bob.sub}`)).status, 204);
      assert.equal((await h.api.get(bob, `/api/v1/projects/${projectId}`)).status, 404);
      assert.equal((await h.api.delete(alice, `/api/v1/projects/${projectId}/members/${bob.sub}`)).status, 404);
    });

    it("when the auth service is down, then adding a member answers 503 naming it, and recovers", async () => {
      await h.auth.stop();
      const res = await h.api.post(alice, `/api/v1/projects/${projectId}/members`, {
        email: carol.email,
        role: "viewer",
      });
      assert.equal(res.status, 503);
      assert.equal(res.body.dependency, "auth");
      const ready = await fetch(`${h.api.baseUrl}/ready`);
      assert.equal(ready.status, 200, "auth is not critical for readiness");
      await h.auth.start(h.auth.port);
      let status = 0;
      for (let i = 0; i < 60 && status !== 201; i++) {
        status = (
          await h.api.post(alice, `/api/v1/projects/${projectId}/members`, { email: carol.email, role: "viewer" })
        ).status;
        if (status !== 201) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(status, 201);
    });
  });

  it("serves readiness with postgres and an OpenAPI paths document", async () => {
    const ready = (await (await fetch(`${h.api.baseUrl}/ready`)).json()) as {
      components: { name: string; status: string }[];
    };
    assert.equal(ready.components.find((c) => c.name === "postgres")?.status, "up");
    const doc = (await (await fetch(`${h.api.baseUrl}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    assert.equal(doc.openapi, "3.1.0");
    assert.ok(doc.paths["/api/v1/projects"]?.post?.requestBody);
    assert.ok(doc.paths["/api/v1/projects/{id}/archive"]?.post);
    assert.ok(doc.paths["/api/v1/projects/{id}/files/{fileId}"]?.get);
    const validation = await new Validator().validate(doc as unknown as Parameters<Validator["validate"]>[0]);
    assert.equal(validation.valid, true, JSON.stringify(validation.errors));
  });
});
