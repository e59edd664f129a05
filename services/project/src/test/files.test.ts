import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { makeUser, rowCounts, startProjectHarness, type ProjectHarness } from "../testing/harness.js";

interface FileItem {
  id: string;
  path: string;
  size: number;
  sha256: string;
  language: string | null;
  revision: number;
  content?: string;
}

const sha = (s: string) => createHash("sha256").update(Buffer.from(s, "utf8")).digest("hex");

/** Files: create by path (single and batch), revisions, listing, reading, path rules, limits. */
describe("files", () => {
  let h: ProjectHarness;
  const owner = makeUser("owner");
  let projectId: string;
  const base = () => `/api/v1/projects/${projectId}/files`;

  before(async () => {
    h = await startProjectHarness({
      PROJECT_FILE_MAX_BYTES: "4096",
      PROJECT_REQUEST_MAX_FILES: "20",
      PROJECT_REQUEST_MAX_BYTES: "20000",
      PROJECT_MAX_FILES: "30",
      PROJECT_MAX_BYTES: "40000",
    });
    projectId = String((await h.api.post(owner, "/api/v1/projects", { name: "files" })).body.id);
  });
  after(() => h.close());

  it("when one file is posted, then 201 {items:[{id, path, size, sha256, language}]} with real values", async () => {
    const content = "export const π = 3.14;\n";
    const res = await h.api.post<{ items: FileItem[] }>(owner, base(), { path: "./src//math.ts", content });
    assert.equal(res.status, 201);
    const [item] = res.body.items;
    assert.ok(item);
    assert.equal(item.path, "src/math.ts");
    assert.equal(item.size, Buffer.byteLength(content));
    assert.equal(item.sha256, sha(content));
    assert.equal(item.language, "TypeScript");
    assert.equal(item.revision, 1);
    const got = await h.api.get<FileItem>(owner, `${base()}/${item.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.content, content);
    assert.equal(got.body.sha256, item.sha256);
  });

  it("when a batch is posted, then every file is stored with its detected language", async () => {
    const files = [
      { path: "Dockerfile", content: "FROM node:20\n" },
      { path: "scripts/run", content: "#!/usr/bin/env python3\nprint('hi')\n" },
      { path: "README.md", content: "# Title\n" },
      { path: "lib/util.h", content: "int f(void);\n" },
      { path: "notes.unknownext", content: "?" },
    ];
    const res = await h.api.post<{ items: FileItem[] }>(owner, base(), { files });
    assert.equal(res.status, 201);
    assert.deepEqual(
      res.body.items.map((i) => [i.path, i.language]),
      [
        ["Dockerfile", "Dockerfile"],
        ["scripts/run", "Python"],
        ["README.md", "Markdown"],
        ["lib/util.h", "C"],
        ["notes.unknownext", null],
      ],
    );
  });

  it("when the same path is written again, then a new revision is made, the list shows the latest, history stays", async () => {
    const first = (await h.api.post<{ items: FileItem[] }>(owner, base(), { path: "app.js", content: "v1" })).body
      .items[0]!;
    const second = (await h.api.post<{ items: FileItem[] }>(owner, base(), { path: "app.js", content: "version 2" }))
      .body.items[0]!;
    assert.equal(second.id, first.id);
    assert.equal(second.revision, 2);
    const same = (await h.api.post<{ items: FileItem[] }>(owner, base(), { path: "app.js", content: "version 2" })).body
      .items[0]!;
    assert.equal(same.revision, 2, "identical content makes no new revision");
    const list = await h.api.get<{ items: FileItem[] }>(owner, `${base()}?prefix=app`);
    assert.deepEqual(
      list.body.items.map((f) => [f.path, f.size, f.sha256, f.revision]),
      [["app.js", 9, sha("version 2"), 2]],
    );
    assert.equal(list.body.items[0]!.content, undefined, "lists carry no content");
    assert.equal((await h.api.get<FileItem>(owner, `${base()}/${first.id}`)).body.content, "version 2");
    const old = await h.api.get<FileItem>(owner, `${base()}/${first.id}?revision=1`);
    assert.equal(old.body.content, "v1");
    assert.equal(old.body.sha256, sha("v1"));
    const history = await h.api.get<{ items: { revision: number }[] }>(owner, `${base()}/${first.id}/revisions`);
    assert.deepEqual(
      history.body.items.map((r) => r.revision),
      [2, 1],
    );
    assert.equal((await h.api.get(owner, `${base()}/${first.id}?revision=9`)).status, 404);
  });

  it("when listing, then pages follow path order with a cursor and cover every file once", async () => {
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: FileItem[]; nextCursor: string | null } } = await h.api.get(
        owner,
        `${base()}?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      all.push(...res.body.items.map((f) => f.path));
      cursor = res.body.nextCursor;
    } while (cursor);
    assert.deepEqual(all, [...all].sort());
    assert.equal(new Set(all).size, all.length);
    assert.ok(all.includes("src/math.ts") && all.includes("app.js"));
  });

  it("when a path escapes the project or is malformed, then 400 and nothing is written", async () => {
    const before = await rowCounts(h.db.url);
    for (const path of ["../etc/passwd", "a/../../b", "/etc/passwd", "C:\\x", "a\\b", ".", "a/\u0000b"]) {
      const res = await h.api.post(owner, base(), {
        files: [
          { path: "fine.txt", content: "ok" },
          { path, content: "x" },
        ],
      });
      assert.equal(res.status, 400, path);
      assert.match(String(res.body.detail), /path/i);
    }
    const dup = await h.api.post(owner, base(), {
      files: [
        { path: "d.txt", content: "1" },
        { path: "./d.txt", content: "2" },
      ],
    });
    assert.equal(dup.status, 400);
    assert.equal((await h.api.post(owner, base(), { path: "nul.txt", content: "a\u0000b" })).status, 400);
    assert.equal((await h.api.post(owner, base(), { files: [] })).status, 400);
    assert.equal((await h.api.post(owner, base(), { path: "x.txt" })).status, 400);
    assert.deepEqual(await rowCounts(h.db.url), before);
  });

  it("when a limit is exceeded, then 413 problem+json names it and nothing is written", async () => {
    const before = await rowCounts(h.db.url);
    const big = await h.api.post(owner, base(), { path: "big.txt", content: "x".repeat(4097) });
    assert.equal(big.status, 413);
    assert.equal(big.body.limit, "PROJECT_FILE_MAX_BYTES");
    assert.match(String(big.body.detail), /PROJECT_FILE_MAX_BYTES/);
    const many = await h.api.post(owner, base(), {
      files: Array.from({ length: 21 }, (_, i) => ({ path: `m/${i}.txt`, content: "m" })),
    });
    assert.equal(many.status, 413);
    assert.equal(many.body.limit, "PROJECT_REQUEST_MAX_FILES");
    const heavy = await h.api.post(owner, base(), {
      files: Array.from({ length: 6 }, (_, i) => ({ path: `h/${i}.txt`, content: "h".repeat(4000) })),
    });
    assert.equal(heavy.status, 413);
    assert.equal(heavy.body.limit, "PROJECT_REQUEST_MAX_BYTES");
    assert.deepEqual(await rowCounts(h.db.url), before);
  });

  it("when a project would exceed its quota, then 413 names PROJECT_MAX_FILES / PROJECT_MAX_BYTES", async () => {
    const other = String((await h.api.post(owner, "/api/v1/projects", { name: "quota" })).body.id);
    const url = `/api/v1/projects/${other}/files`;
    const fill = await h.api.post(owner, url, {
      files: Array.from({ length: 20 }, (_, i) => ({ path: `f${i}`, content: "." })),
    });
    assert.equal(fill.status, 201);
    const more = await h.api.post(owner, url, {
      files: Array.from({ length: 11 }, (_, i) => ({ path: `g${i}`, content: "." })),
    });
    assert.equal(more.status, 413);
    assert.equal(more.body.limit, "PROJECT_MAX_FILES");
    // Rewriting existing paths does not add files; bytes count the latest revisions only.
    for (const group of [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]) {
      const files = group.map((i) => ({ path: `f${i}`, content: "x".repeat(4000) }));
      assert.equal((await h.api.post(owner, url, { files })).status, 201);
    }
    const bytes = await h.api.post(owner, url, {
      files: [8, 9].map((i) => ({ path: `f${i}`, content: "y".repeat(4000) })),
    });
    assert.equal(bytes.status, 413);
    assert.equal(bytes.body.limit, "PROJECT_MAX_BYTES");
  });

  it("when a file is deleted or unknown, then it is 404 afterwards", async () => {
    const item = (await h.api.post<{ items: FileItem[] }>(owner, base(), { path: "gone.txt", content: "bye" })).body
      .items[0]!;
    assert.equal((await h.api.delete(owner, `${base()}/${item.id}`)).status, 204);
    assert.equal((await h.api.get(owner, `${base()}/${item.id}`)).status, 404);
    assert.equal((await h.api.get(owner, `${base()}/${randomUUID()}`)).status, 404);
    assert.equal((await h.api.get(owner, `${base()}/nope`)).status, 404);
    assert.equal((await h.api.delete(owner, `${base()}/${item.id}`)).status, 404);
  });

  it("when writers race on one path, then revisions are numbered without gaps or duplicates", async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        h.api.post<{ items: FileItem[] }>(owner, base(), { path: "race.txt", content: `r${i}` }),
      ),
    );
    assert.ok(results.every((r) => r.status === 201));
    assert.deepEqual(
      results.map((r) => r.body.items[0]!.revision).sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
  });
});
