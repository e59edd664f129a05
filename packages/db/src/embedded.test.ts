import assert from "node:assert/strict";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startEmbeddedPostgres } from "./embedded.js";
import { query } from "./fixtures.js";
import { migrate } from "./migrate.js";
import { withDatabase } from "./url.js";
import { ensureDatabase } from "./database.js";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

test(
  "embedded PostgreSQL initialises once, migrates, and keeps its data across restarts",
  { timeout: 60_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), "crm-embedded-"));
    // mkdtemp makes the folder 0700 for root; the server runs as the `postgres` user and must be
    // able to reach its data directory inside it.
    await chmod(root, 0o755);
    const dataDir = join(root, "pg");
    const port = await freePort();
    const lines: string[] = [];
    const log = { info: (_: Record<string, unknown>, msg: string) => lines.push(msg) };
    try {
      const signalListeners = () => process.listeners("SIGINT").length + process.listeners("SIGTERM").length;
      const listenersBefore = signalListeners();
      const first = await startEmbeddedPostgres({ dataDir, port, log });
      // The caller owns signal handling (graceful shutdown stops the server); the package's own
      // exit-on-signal hook must not race it.
      assert.equal(signalListeners(), listenersBefore);
      try {
        const url = withDatabase(first.url, "codereview");
        assert.deepEqual(await ensureDatabase(url), { created: true });
        const { applied } = await migrate({ databaseUrl: url });
        assert.ok(applied.length > 0);
      } finally {
        await first.stop();
      }
      assert.ok(lines.includes("initialising embedded PostgreSQL cluster"));

      lines.length = 0;
      const second = await startEmbeddedPostgres({ dataDir, port, log });
      try {
        assert.ok(!lines.includes("initialising embedded PostgreSQL cluster"), "existing cluster is reused");
        const url = withDatabase(second.url, "codereview");
        assert.deepEqual(await ensureDatabase(url), { created: false });
        assert.deepEqual(await migrate({ databaseUrl: url }), { applied: [] });
        const rows = await query<{ n: number }>(url, "SELECT count(*)::int AS n FROM _prisma_migrations");
        assert.ok((rows[0]?.n ?? 0) > 0);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
);

test("a start failure says why", { timeout: 60_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), "crm-embedded-"));
  await chmod(root, 0o755);
  try {
    // Occupy the port so the server cannot bind it; the error must name the port and carry the
    // server's own reason, and the failed start must not keep the process alive.
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    try {
      await assert.rejects(
        startEmbeddedPostgres({ dataDir: join(root, "pg"), port }),
        new RegExp(`port ${port}.*(could not create any TCP/IP sockets|Address already in use)`),
      );
    } finally {
      blocker.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
