import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { makeUser, startMesh, validConfig, type Mesh, type TestUser } from "../testing/harness.js";

type Role = "owner" | "editor" | "viewer" | "outsider";
const RANK: Record<Role, number> = { outsider: 0, viewer: 1, editor: 2, owner: 3 };

/** Experiments: contract rows, visibility, and the access matrix for project-bound experiments. */
describe("experiments", () => {
  let mesh: Mesh;
  const users: Record<Role, TestUser> = {
    owner: makeUser("owner"),
    editor: makeUser("editor"),
    viewer: makeUser("viewer"),
    outsider: makeUser("outsider"),
  };
  let projectId: string;

  before(async () => {
    mesh = await startMesh();
    projectId = await mesh.projectWith(users.owner, [
      [users.editor, "editor"],
      [users.viewer, "viewer"],
    ]);
  });
  after(() => mesh.close());

  it("when an experiment is created, then 201 {id, name, ...} and GET returns it with its labels", async () => {
    const res = await mesh.api.post(users.owner, "/api/v1/experiments", { name: "prompt tuning", description: "d" });
    assert.equal(res.status, 201);
    assert.equal(res.body.name, "prompt tuning");
    assert.equal(res.body.projectId, null);
    assert.equal(res.body.createdBy, users.owner.sub);
    assert.equal(res.body.latestVersion, 0);
    const got = await mesh.api.get(users.owner, `/api/v1/experiments/${res.body.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.labels, []);
    // Project-less experiments are their creator's alone.
    assert.equal((await mesh.api.get(users.editor, `/api/v1/experiments/${res.body.id}`)).status, 404);
  });

  it("when the body is invalid or the project is not visible, then 400 / 404 / 403", async () => {
    const bad = await mesh.api.post(users.owner, "/api/v1/experiments", { name: "" });
    assert.equal(bad.status, 400);
    assert.equal((bad.body.errors as { path: string }[])[0]?.path, "body.name");
    assert.equal((await mesh.api.post(users.outsider, "/api/v1/experiments", { name: "x", projectId })).status, 404);
    assert.equal(
      (await mesh.api.post(users.owner, "/api/v1/experiments", { name: "x", projectId: randomUUID() })).status,
      404,
    );
    assert.equal(
      (await mesh.api.post(users.owner, "/api/v1/experiments", { name: "x", projectId: "nope" })).status,
      404,
    );
    const viewer = await mesh.api.post(users.viewer, "/api/v1/experiments", { name: "x", projectId });
    assert.equal(viewer.status, 403);
    assert.equal((await mesh.api.get(users.owner, `/api/v1/experiments/${randomUUID()}`)).status, 404);
    assert.equal((await mesh.api.get(users.owner, "/api/v1/experiments/not-an-id")).status, 404);
    assert.equal((await mesh.api.get(undefined, "/api/v1/experiments")).status, 401);
  });

  it("when listing, then a user sees own experiments and those of its projects, newest first, paged", async () => {
    const mine = makeUser("lister");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(String((await mesh.api.post(mine, "/api/v1/experiments", { name: `own ${i}` })).body.id));
    const shared = String(
      (await mesh.api.post(users.editor, "/api/v1/experiments", { name: "shared", projectId })).body.id,
    );
    const seenBy = async (u: TestUser, q = "") => {
      const out: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } =
          await mesh.api.get(u, `/api/v1/experiments?limit=2${q}${cursor ? `&cursor=${cursor}` : ""}`);
        assert.equal(res.status, 200);
        out.push(...res.body.items.map((e) => e.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      return out;
    };
    assert.deepEqual(await seenBy(mine), [...ids].reverse());
    assert.ok((await seenBy(users.viewer)).includes(shared));
    assert.ok(!(await seenBy(users.outsider)).includes(shared));
    assert.deepEqual(await seenBy(users.viewer, `&projectId=${projectId}`), [shared]);
    assert.deepEqual(await seenBy(users.outsider, `&projectId=${projectId}`), []);
  });

  it("serves readiness with postgres and the project service, and a valid OpenAPI 3.1 document", async () => {
    const base = `http://127.0.0.1:${mesh.vc.httpPort}`;
    const ready = (await (await fetch(`${base}/ready`)).json()) as { components: { name: string; status: string }[] };
    assert.deepEqual(
      ready.components.map((c) => [c.name, c.status]),
      [
        ["postgres", "up"],
        ["project", "up"],
      ],
    );
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    assert.ok(doc.paths["/api/v1/experiments/{id}/versions/{a}/diff/{b}"]?.get);
    assert.ok(doc.paths["/api/v1/experiments/{id}/labels/{label}"]?.put);
    const validation = await new Validator().validate(doc);
    assert.equal(validation.valid, true, JSON.stringify(validation.errors));
  });

  describe("access matrix of a project-bound experiment", () => {
    let experimentId: string;
    before(async () => {
      const res = await mesh.api.post(users.owner, "/api/v1/experiments", { name: "matrix", projectId });
      experimentId = String(res.body.id);
      assert.equal(
        (await mesh.api.post(users.owner, `/api/v1/experiments/${experimentId}/versions`, { config: validConfig() }))
          .status,
        201,
      );
      assert.equal(
        (
          await mesh.api.post(users.owner, `/api/v1/experiments/${experimentId}/versions`, {
            config: validConfig({ temperature: 0.5 }),
          })
        ).status,
        201,
      );
      assert.equal(
        (await mesh.api.put(users.owner, `/api/v1/experiments/${experimentId}/labels/production`, { version: 1 }))
          .status,
        200,
      );
    });

    const e = () => `/api/v1/experiments/${experimentId}`;
    const routes: {
      name: string;
      needs: "viewer" | "editor";
      ok: number;
      call: (u: TestUser) => Promise<{ status: number }>;
    }[] = [
      { name: "GET experiment", needs: "viewer", ok: 200, call: (u) => mesh.api.get(u, e()) },
      { name: "GET versions", needs: "viewer", ok: 200, call: (u) => mesh.api.get(u, `${e()}/versions`) },
      { name: "GET version", needs: "viewer", ok: 200, call: (u) => mesh.api.get(u, `${e()}/versions/1`) },
      { name: "GET diff", needs: "viewer", ok: 200, call: (u) => mesh.api.get(u, `${e()}/versions/1/diff/2`) },
      { name: "GET labels", needs: "viewer", ok: 200, call: (u) => mesh.api.get(u, `${e()}/labels`) },
      { name: "GET label", needs: "viewer", ok: 200, call: (u) => mesh.api.get(u, `${e()}/labels/production`) },
      {
        name: "GET label history",
        needs: "viewer",
        ok: 200,
        call: (u) => mesh.api.get(u, `${e()}/labels/production/history`),
      },
      {
        name: "POST version",
        needs: "editor",
        ok: 201,
        call: (u) => mesh.api.post(u, `${e()}/versions`, { config: validConfig() }),
      },
      {
        name: "PUT label",
        needs: "editor",
        ok: 200,
        call: (u) => mesh.api.put(u, `${e()}/labels/staging`, { version: 2 }),
      },
      {
        name: "POST rollback",
        needs: "editor",
        ok: 200,
        call: async (u) => {
          // Give the label something to roll back to, as the owner, then let `u` try.
          await mesh.api.put(users.owner, `${e()}/labels/canary`, { version: 1 });
          await mesh.api.put(users.owner, `${e()}/labels/canary`, { version: 2 });
          return mesh.api.post(u, `${e()}/labels/canary/rollback`);
        },
      },
    ];
    for (const route of routes) {
      it(`${route.name}: ${route.needs}+ succeed, viewers cannot write (403), outsiders 404`, async () => {
        for (const role of Object.keys(users) as Role[]) {
          const res = await route.call(users[role]);
          const expected = role === "outsider" ? 404 : RANK[role] >= RANK[route.needs] ? route.ok : 403;
          assert.equal(res.status, expected, `${role} → ${route.name}`);
        }
      });
    }
  });
});
