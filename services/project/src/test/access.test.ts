import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeUser, startProjectHarness, type ProjectHarness, type TestUser } from "../testing/harness.js";
import { gzip, tarball } from "../testing/tarball.js";

type Role = "owner" | "editor" | "viewer" | "outsider";
const RANK: Record<Role, number> = { outsider: 0, viewer: 1, editor: 2, owner: 3 };

interface World {
  projectId: string;
  fileId: string;
  /** A viewer nobody else touches, for member routes. */
  spare: TestUser;
}

interface Route {
  name: string;
  needs: Exclude<Role, "outsider">;
  ok: number;
  call(h: ProjectHarness, as: TestUser, w: World): Promise<{ status: number }>;
}

/**
 * The access matrix: owner, editor, viewer and outsider against every route under a project.
 * Outsiders always get 404 (the project's existence does not leak), members below the route's
 * role get 403, the rest succeed. Each cell runs against a fresh project, so cells are independent.
 */
describe("access matrix", () => {
  let h: ProjectHarness;
  const users: Record<Role, TestUser> = {
    owner: makeUser("owner"),
    editor: makeUser("editor"),
    viewer: makeUser("viewer"),
    outsider: makeUser("outsider"),
  };
  let archive: Buffer;

  before(async () => {
    h = await startProjectHarness();
    h.auth.add(...Object.values(users));
    archive = gzip(await tarball([{ name: "src/a.ts", content: "export {}\n" }]));
  });
  after(() => h.close());

  async function world(): Promise<World> {
    const { owner, editor, viewer } = users;
    const projectId = String((await h.api.post(owner, "/api/v1/projects", { name: "matrix" })).body.id);
    const spare = makeUser("spare");
    h.auth.add(spare);
    for (const [u, role] of [
      [editor, "editor"],
      [viewer, "viewer"],
      [spare, "viewer"],
    ] as const) {
      const res = await h.api.post(owner, `/api/v1/projects/${projectId}/members`, { email: u.email, role });
      assert.equal(res.status, 201);
    }
    const files = await h.api.post<{ items: { id: string }[] }>(owner, `/api/v1/projects/${projectId}/files`, {
      path: "a.txt",
      content: "a",
    });
    return { projectId, fileId: files.body.items[0]!.id, spare };
  }

  const p = (w: World) => `/api/v1/projects/${w.projectId}`;
  const routes: Route[] = [
    { name: "GET project", needs: "viewer", ok: 200, call: (h, u, w) => h.api.get(u, p(w)) },
    { name: "PATCH project", needs: "editor", ok: 200, call: (h, u, w) => h.api.patch(u, p(w), { name: "renamed" }) },
    { name: "DELETE project", needs: "owner", ok: 204, call: (h, u, w) => h.api.delete(u, p(w)) },
    { name: "GET members", needs: "viewer", ok: 200, call: (h, u, w) => h.api.get(u, `${p(w)}/members`) },
    {
      name: "POST members",
      needs: "owner",
      ok: 200,
      call: (h, u, w) => h.api.post(u, `${p(w)}/members`, { email: w.spare.email, role: "editor" }),
    },
    {
      name: "PATCH member",
      needs: "owner",
      ok: 200,
      call: (h, u, w) => h.api.patch(u, `${p(w)}/members/${w.spare.sub}`, { role: "editor" }),
    },
    {
      name: "DELETE member",
      needs: "owner",
      ok: 204,
      call: (h, u, w) => h.api.delete(u, `${p(w)}/members/${w.spare.sub}`),
    },
    {
      name: "POST files",
      needs: "editor",
      ok: 201,
      call: (h, u, w) => h.api.post(u, `${p(w)}/files`, { files: [{ path: "b.txt", content: "b" }] }),
    },
    {
      name: "POST archive",
      needs: "editor",
      ok: 201,
      call: (h, u, w) => h.api.post(u, `${p(w)}/archive`, archive, { "content-type": "application/gzip" }),
    },
    { name: "GET files", needs: "viewer", ok: 200, call: (h, u, w) => h.api.get(u, `${p(w)}/files`) },
    { name: "GET file", needs: "viewer", ok: 200, call: (h, u, w) => h.api.get(u, `${p(w)}/files/${w.fileId}`) },
    {
      name: "GET file revisions",
      needs: "viewer",
      ok: 200,
      call: (h, u, w) => h.api.get(u, `${p(w)}/files/${w.fileId}/revisions`),
    },
    { name: "DELETE file", needs: "editor", ok: 204, call: (h, u, w) => h.api.delete(u, `${p(w)}/files/${w.fileId}`) },
  ];

  for (const route of routes) {
    it(`${route.name}: ${route.needs} and above succeed, lower roles get 403, outsiders 404`, async () => {
      for (const role of Object.keys(users) as Role[]) {
        const w = await world();
        const res = await route.call(h, users[role], w);
        const expected = role === "outsider" ? 404 : RANK[role] >= RANK[route.needs] ? route.ok : 403;
        assert.equal(res.status, expected, `${role} → ${route.name}`);
        // A refused write leaves the project as it was: the owner still sees it whole.
        if (expected >= 400) {
          const seen = await h.api.get<{ name: string }>(users.owner, p(w));
          assert.equal(seen.body.name, "matrix");
          const files = await h.api.get<{ items: unknown[] }>(users.owner, `${p(w)}/files`);
          assert.equal(files.body.items.length, 1);
        }
      }
    });
  }

  it("an outsider's 404 is indistinguishable from a project that does not exist", async () => {
    const w = await world();
    const real = await h.api.get(users.outsider, p(w));
    const none = await h.api.get(users.outsider, "/api/v1/projects/00000000-0000-4000-8000-000000000000");
    assert.equal(real.status, 404);
    assert.equal(none.status, 404);
    assert.equal(real.body.detail, none.body.detail);
  });
});
