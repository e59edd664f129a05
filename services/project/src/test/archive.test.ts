import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { makeUser, rowCounts, startProjectHarness, type ProjectHarness } from "../testing/harness.js";
import { dependencyDir, directoryEntries, gzip, sha256, tarball, type TarEntry } from "../testing/tarball.js";

interface FileItem {
  id: string;
  path: string;
  size: number;
  sha256: string;
  language: string | null;
}

const SKIP = new Set(["node_modules", ".git", "dist", "build", "vendor", "coverage", "target", "out"]);

/** Repository upload: a real dependency's source round-trips; every attack is refused with nothing written. */
describe("archive upload", () => {
  let h: ProjectHarness;
  const owner = makeUser("owner");
  let projectId: string;
  const url = (query = "") => `/api/v1/projects/${projectId}/archive${query}`;
  const upload = (body: Buffer, query = "", type = "application/gzip") =>
    h.api.post<Record<string, unknown> & { items: FileItem[] }>(owner, url(query), body, { "content-type": type });

  before(async () => {
    h = await startProjectHarness({ ARCHIVE_MAX_BYTES: String(8 * 1024 * 1024), ARCHIVE_MAX_ENTRIES: "2000" });
    projectId = String((await h.api.post(owner, "/api/v1/projects", { name: "repo" })).body.id);
  });
  after(() => h.close());

  async function listAll(): Promise<FileItem[]> {
    const out: FileItem[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: FileItem[]; nextCursor: string | null } } = await h.api.get(
        owner,
        `/api/v1/projects/${projectId}/files?limit=100${cursor ? `&cursor=${cursor}` : ""}`,
      );
      out.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return out;
  }

  it("when a real repository (the zod package's own source) is uploaded, then every file lists back byte-identical", async () => {
    const { entries, files } = await directoryEntries(dependencyDir("zod"), "package/");
    assert.ok(files.size > 100, `zod has ${files.size} files`);
    const extras: TarEntry[] = [
      { name: "package/", type: "directory" },
      { name: "package/node_modules/left-pad/index.js", content: "module.exports = 1;\n" },
      { name: "package/.git/HEAD", content: "ref: refs/heads/main\n" },
      {
        name: "package/assets/logo.png",
        content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      },
      { name: "package/latin1.txt", content: Buffer.from([0x63, 0x61, 0x66, 0xe9]) },
    ];
    const expected = new Map(
      [...files]
        .filter(
          ([p]) =>
            !p
              .split("/")
              .slice(0, -1)
              .some((s) => SKIP.has(s)),
        )
        .map(([p, b]) => [p, sha256(b)]),
    );
    const vendoredInZod = files.size - expected.size;
    const res = await upload(gzip(await tarball([...extras.slice(0, 1), ...entries, ...extras.slice(1)])), "?strip=1");
    assert.equal(res.status, 201, JSON.stringify(res.body).slice(0, 500));
    assert.deepEqual(res.body.skipped, { binary: 2, vendored: 2 + vendoredInZod, total: 4 + vendoredInZod });
    assert.equal(res.body.items.length, expected.size);

    const listed = await listAll();
    assert.equal(listed.length, expected.size);
    for (const f of listed) {
      assert.equal(f.sha256, expected.get(f.path), f.path);
      assert.equal(f.size, files.get(f.path)!.length, f.path);
    }
    const pkg = listed.find((f) => f.path === "package.json")!;
    assert.equal(pkg.language, "JSON");
    const got = await h.api.get<{ content: string }>(owner, `/api/v1/projects/${projectId}/files/${pkg.id}`);
    assert.equal(got.body.content, files.get("package.json")!.toString("utf8"));
    const ts = listed.find((f) => f.path.endsWith(".ts") && !f.path.endsWith(".d.ts"));
    if (ts) assert.equal(ts.language, "TypeScript");
  });

  /** Each attack sits after valid files, so a partial write would show up in the row counts. */
  const valid: TarEntry[] = [
    { name: "ok/a.txt", content: "a" },
    { name: "ok/b.js", content: "b()" },
  ];
  const attacks: [string, TarEntry[], RegExp][] = [
    ["path traversal", [{ name: "../../evil.sh", content: "rm -rf /" }], /'\.\.'/],
    ["nested traversal", [{ name: "ok/../../evil.sh", content: "x" }], /'\.\.'/],
    ["absolute path", [{ name: "/etc/cron.d/evil", content: "x" }], /absolute/],
    ["symbolic link", [{ name: "ok/link", type: "symlink", linkname: "/etc/passwd" }], /symbolic link/],
    ["hard link", [{ name: "ok/hard", type: "link", linkname: "ok/a.txt" }], /hard link/],
    ["character device", [{ name: "ok/null", type: "character-device" }], /device/],
    ["block device", [{ name: "ok/sda", type: "block-device" }], /device/],
    ["fifo", [{ name: "ok/pipe", type: "fifo" }], /FIFO/],
  ];
  for (const [name, entries, detail] of attacks) {
    it(`when the archive holds a ${name}, then 400 and nothing is written`, async () => {
      const before = await rowCounts(h.db.url);
      const res = await upload(gzip(await tarball([...valid, ...entries, { name: "ok/c.txt", content: "c" }])));
      assert.equal(res.status, 400);
      assert.match(res.headers.get("content-type") ?? "", /problem\+json/);
      assert.match(String(res.body.detail), detail);
      assert.deepEqual(await rowCounts(h.db.url), before);
    });
  }

  it("when the archive is a decompression bomb, then 400 names ARCHIVE_MAX_RATIO, fast, with nothing written", async () => {
    const before = await rowCounts(h.db.url);
    const zeros = Buffer.alloc(512 * 1024);
    const bomb = gzip(await tarball(Array.from({ length: 128 }, (_, i) => ({ name: `z/${i}.txt`, content: zeros }))));
    assert.ok(bomb.length < 200 * 1024, `bomb is ${bomb.length} bytes for 64 MiB`);
    const started = Date.now();
    const res = await upload(bomb);
    assert.equal(res.status, 400);
    assert.equal(res.body.limit, "ARCHIVE_MAX_RATIO");
    assert.ok(Date.now() - started < 5000);
    assert.deepEqual(await rowCounts(h.db.url), before);
  });

  it("when an archive entry is larger than the per-file limit, then 400 names PROJECT_FILE_MAX_BYTES", async () => {
    const before = await rowCounts(h.db.url);
    const res = await upload(
      gzip(
        await tarball([
          ...valid,
          {
            name: "huge.txt",
            content: randomBytes(1024 * 1024 + 1)
              .toString("hex")
              .slice(0, 1024 * 1024 + 1),
          },
        ]),
      ),
    );
    assert.equal(res.status, 400);
    assert.equal(res.body.limit, "PROJECT_FILE_MAX_BYTES");
    assert.deepEqual(await rowCounts(h.db.url), before);
  });

  it("when the archive has more entries than allowed, then 400 names ARCHIVE_MAX_ENTRIES", async () => {
    const before = await rowCounts(h.db.url);
    const many = Array.from({ length: 2001 }, (_, i) => ({
      name: `many/${i}.txt`,
      content: randomBytes(60).toString("base64"),
    }));
    const res = await upload(gzip(await tarball(many)));
    assert.equal(res.status, 400);
    assert.equal(res.body.limit, "ARCHIVE_MAX_ENTRIES");
    assert.deepEqual(await rowCounts(h.db.url), before);
  });

  it("when the compressed body is over ARCHIVE_MAX_BYTES, then 413 (declared length or streamed)", async () => {
    const before = await rowCounts(h.db.url);
    // A genuine gzip tarball of incompressible files, so only the compressed size is wrong with it.
    const big = gzip(
      await tarball(Array.from({ length: 10 }, (_, i) => ({ name: `r/${i}.bin`, content: randomBytes(900 * 1024) }))),
    );
    assert.ok(big.length > 8 * 1024 * 1024);
    const declared = await upload(big);
    assert.equal(declared.status, 413);
    assert.equal(declared.body.limit, "ARCHIVE_MAX_BYTES");
    // Without Content-Length the limit is enforced while reading.
    const res = await fetch(`${h.api.baseUrl}${url()}`, {
      method: "POST",
      headers: {
        "content-type": "application/gzip",
        "x-mesh-identity": (await import("@crm/kit")).signIdentity(h.env.MESH_SECRET!, owner),
      },
      body: new Blob([big]).stream(),
      duplex: "half",
    } as RequestInit & { duplex: "half" });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { limit: string }).limit, "ARCHIVE_MAX_BYTES");
    assert.deepEqual(await rowCounts(h.db.url), before);
  });

  it("when the body is not a gzip tarball or has the wrong type, then 400 / 415", async () => {
    const notGzip = await upload(Buffer.from("this is not gzip at all"));
    assert.equal(notGzip.status, 400);
    assert.match(String(notGzip.body.detail), /gzip/);
    const notTar = await upload(gzip(Buffer.from("just some text that is not a tar archive ".repeat(30))));
    assert.equal(notTar.status, 400);
    assert.match(String(notTar.body.detail), /tar/);
    assert.equal((await upload(gzip(await tarball(valid)), "", "text/plain")).status, 415);
    assert.equal((await upload(gzip(await tarball(valid)), "?strip=-1")).status, 400);
  });

  it("when a path repeats in the archive, then the later entry wins (as when extracting)", async () => {
    const res = await upload(
      gzip(
        await tarball([
          { name: "dup.txt", content: "first" },
          { name: "./dup.txt", content: "second" },
        ]),
      ),
    );
    assert.equal(res.status, 201);
    assert.deepEqual(
      res.body.items.map((i) => [i.path, i.sha256]),
      [["dup.txt", sha256(Buffer.from("second"))]],
    );
  });
});
