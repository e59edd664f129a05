import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { spawnSync } from "node:child_process";
import { createTestDatabase } from "@crm/db/testing";
import { startProcess, testEnv } from "@crm/kit/testing";
import { ADDRESSES } from "@crm/platform";
import { api, freePort, newUser } from "../mesh.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const platformMain = path.join(root, "packages/platform/dist/main.js");

/** `npm start` as a new user runs it: nothing configured, embedded PostgreSQL, local Redis. */
describe("npm start (all-in-one platform)", () => {
  it("comes up on the embedded default, serves the API and docs, and stops cleanly on Ctrl-C", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "crm-platform-"));
    const env: Record<string, string> = {
      HOME: os.homedir(),
      LOG_LEVEL: "info",
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      LOCAL_REDIS_PORT: String(await freePort()),
    };
    for (const a of Object.values(ADDRESSES)) {
      env[a.httpKey] = String(await freePort());
      if (a.grpcKey) env[a.grpcKey] = String(await freePort());
    }
    const proc = await startProcess({
      args: [platformMain, `--data-dir=${dataDir}`],
      env,
      parts: ["gateway"],
      timeoutMs: 120_000,
    });
    let exitCode: number | null;
    try {
      const url = `http://127.0.0.1:${env.GATEWAY_PORT}`;
      for (let i = 0; i < 100 && !proc.lines.some((l) => l.includes("CodeReview Mesh is ready")); i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.ok(
        proc.lines.some((l) => l.includes(`CodeReview Mesh is ready at ${url}`)),
        "prints the URL when ready",
      );
      const user = await newUser(url);
      assert.equal((await api(url, "GET", "/api/v1/auth/me", { token: user.accessToken })).status, 200);
      assert.equal((await fetch(`${url}/api/docs/`)).status, 200);
      const secrets = JSON.parse(await readFile(path.join(dataDir, "secrets.json"), "utf8")) as Record<string, string>;
      assert.ok((secrets.MESH_SECRET ?? "").length >= 32, "generated secrets are kept in the data directory");
    } finally {
      // Recorded, then asserted after the body's own assertions (a failure there stays visible).
      exitCode = await proc.stop("SIGINT", 30_000);
    }
    assert.equal(exitCode, 0, "Ctrl-C stops every part and exits 0");
  });

  it("--split runs every part as its own process against the given PostgreSQL and Redis", async () => {
    const db = await createTestDatabase();
    const env: Record<string, string> = { ...testEnv(), HOME: os.homedir(), LOG_LEVEL: "info", DATABASE_URL: db.url };
    for (const a of Object.values(ADDRESSES)) {
      env[a.httpKey] = String(await freePort());
      if (a.grpcKey) env[a.grpcKey] = String(await freePort());
    }
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "crm-split-"));
    const proc = await startProcess({
      args: [platformMain, "--split", `--data-dir=${dataDir}`],
      env,
      parts: Object.keys(ADDRESSES),
      timeoutMs: 120_000,
    });
    try {
      const pids = new Set(
        proc.lines.filter((l) => l.includes('"part started"')).map((l) => (JSON.parse(l) as { pid: number }).pid),
      );
      assert.equal(pids.size, Object.keys(ADDRESSES).length, "one process per part");
      const url = `http://127.0.0.1:${env.GATEWAY_PORT}`;
      const user = await newUser(url);
      assert.equal((await api(url, "GET", "/api/v1/auth/me", { token: user.accessToken })).status, 200);
    } finally {
      assert.equal(await proc.stop("SIGINT", 30_000), 0);
      await db.drop();
    }
  });

  it("--split refuses the in-process Redis store and says why", () => {
    const result = spawnSync(process.execPath, [platformMain, "--split", "--target=auth"], {
      env: {
        PATH: process.env.PATH,
        REDIS_URL: "memory://",
        DATABASE_URL: "postgresql://postgres@127.0.0.1:1/none",
        DATA_DIR: os.tmpdir(),
      },
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /memory:\/\/ cannot be shared between processes/);
  });
});
