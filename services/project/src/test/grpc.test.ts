import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  createGrpcClient,
  createLogger,
  createMetrics,
  HttpError,
  runWithContext,
  signIdentity,
  type GrpcClient,
  type Identity,
} from "@crm/kit";
import { makeUser, startProjectHarness, type ProjectHarness } from "../testing/harness.js";

interface FileInfo {
  id: string;
  path: string;
  size: number;
  sha256: string;
  language: string;
  revision: number;
}

/** ProjectService over real gRPC, as a peer (analysis, version-control) calls it through the kit client. */
describe("gRPC ProjectService", () => {
  let h: ProjectHarness;
  let client: GrpcClient;
  const owner = makeUser("owner");
  const viewer = makeUser("viewer");
  const outsider = makeUser("outsider");
  let projectId: string;
  const big = "line of code;\n".repeat(20000); // ~280 KB: several 64 KiB chunks

  /** Calls as a user (inside a request context, as a peer does) or, without one, as a service. */
  const as = <T>(who: Identity | undefined, fn: () => Promise<T>): Promise<T> =>
    who
      ? runWithContext(
          { requestId: randomUUID(), identity: who, identityToken: signIdentity(h.env.MESH_SECRET!, who) },
          fn,
        )
      : fn();

  before(async () => {
    h = await startProjectHarness();
    h.auth.add(viewer);
    client = createGrpcClient({
      peer: "project",
      address: h.grpcAddress,
      file: "crm/project/v1/project.proto",
      service: "crm.project.v1.ProjectService",
      self: "test",
      meshSecret: h.env.MESH_SECRET!,
      logger: createLogger({ name: "test", level: "silent" }),
      metrics: createMetrics("test"),
    });
    projectId = String((await h.api.post(owner, "/api/v1/projects", { name: "grpc" })).body.id);
    await h.api.post(owner, `/api/v1/projects/${projectId}/members`, { email: viewer.email, role: "viewer" });
    const files = [
      { path: "src/a.ts", content: "export const a = 1;\n" },
      { path: "src/a.test.ts", content: "test()\n" },
      { path: "src/deep/b.ts", content: "export {}\n" },
      { path: "README.md", content: "# r\n" },
      { path: "big.js", content: big },
      { path: "empty.txt", content: "" },
    ];
    assert.equal((await h.api.post(owner, `/api/v1/projects/${projectId}/files`, { files })).status, 201);
  });
  after(async () => {
    client.close();
    await h.close();
  });

  it("CheckAccess answers each role and action, and says when the project does not exist", async () => {
    const check = (userId: string, action: string, project = projectId) =>
      client.unary<{ allowed: boolean; role: string; projectExists: boolean }>("CheckAccess", {
        userId,
        projectId: project,
        action,
      });
    assert.deepEqual(await check(owner.sub, "delete"), { allowed: true, role: "owner", projectExists: true });
    assert.deepEqual(await check(viewer.sub, "read"), { allowed: true, role: "viewer", projectExists: true });
    assert.deepEqual(await check(viewer.sub, "write"), { allowed: false, role: "viewer", projectExists: true });
    assert.deepEqual(await check(outsider.sub, "read"), { allowed: false, role: "", projectExists: true });
    assert.deepEqual(await check(owner.sub, "read", randomUUID()), { allowed: false, role: "", projectExists: false });
    await assert.rejects(check(owner.sub, "fly"), (e: HttpError) => e.status === 400);
  });

  it("ListUserProjects lists a user's memberships", async () => {
    const res = await client.unary<{ projects: { projectId: string; role: string }[] }>("ListUserProjects", {
      userId: viewer.sub,
    });
    assert.deepEqual(res.projects, [{ projectId, role: "viewer" }]);
  });

  it("ListFiles selects by globs, with exclusions", async () => {
    const list = (globs: string[]) =>
      as(viewer, () => client.unary<{ files: FileInfo[] }>("ListFiles", { projectId, globs })).then((r) =>
        r.files.map((f) => f.path),
      );
    assert.deepEqual(await list(["src/**/*.ts", "!**/*.test.ts"]), ["src/a.ts", "src/deep/b.ts"]);
    assert.deepEqual((await list([])).length, 6);
    assert.deepEqual(await list(["*.md"]), ["README.md"]);
  });

  it("GetFiles streams contents in chunks that reassemble byte-identically", async () => {
    const { files } = await as(viewer, () =>
      client.unary<{ files: FileInfo[] }>("ListFiles", { projectId, globs: ["big.js", "empty.txt", "README.md"] }),
    );
    const got = new Map<string, Buffer[]>();
    let chunks = 0;
    // The stream's call starts on first read, so the whole read runs in the caller's context.
    await as(viewer, async () => {
      const stream = client.stream<{ file: FileInfo; offset: number; data: Buffer; last: boolean }>("GetFiles", {
        projectId,
        ids: files.map((f) => f.id),
      });
      for await (const chunk of stream) {
        chunks++;
        assert.ok(chunk.data.length <= 64 * 1024);
        const parts = got.get(chunk.file.path) ?? [];
        assert.equal(
          chunk.offset,
          parts.reduce((n, b) => n + b.length, 0),
        );
        parts.push(chunk.data);
        got.set(chunk.file.path, parts);
      }
    });
    assert.ok(chunks >= 6, `${chunks} chunks`);
    for (const f of files) {
      const content = Buffer.concat(got.get(f.path) ?? []);
      assert.equal(createHash("sha256").update(content).digest("hex"), f.sha256, f.path);
    }
    assert.equal(Buffer.concat(got.get("big.js")!).toString("utf8"), big);
  });

  it("a user outside the project gets NOT_FOUND; a service identity may read; unknown ids are NOT_FOUND", async () => {
    await assert.rejects(
      as(outsider, () => client.unary("ListFiles", { projectId, globs: [] })),
      (e: HttpError) => e.status === 404,
    );
    const asService = await client.unary<{ files: FileInfo[] }>("ListFiles", { projectId, globs: [] });
    assert.equal(asService.files.length, 6);
    const drain = async (ids: string[], who?: Identity) => {
      await as(who, async () => {
        for await (const _ of client.stream("GetFiles", { projectId, ids })) void _;
      });
    };
    await assert.rejects(drain([randomUUID()]), (e: HttpError) => e.status === 404);
    await assert.rejects(drain([asService.files[0]!.id], outsider), (e: HttpError) => e.status === 404);
    await assert.rejects(
      client.unary("ListFiles", { projectId: randomUUID(), globs: [] }),
      (e: HttpError) => e.status === 404,
    );
  });
});
