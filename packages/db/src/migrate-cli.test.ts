import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, test } from "node:test";
import { dropDatabase } from "./database.js";
import { DEFAULT_TEST_SERVER_URL } from "./testing.js";
import { withDatabase } from "./url.js";

const cli = fileURLToPath(new URL("./migrate-cli.js", import.meta.url));
const run = promisify(execFile);
const url = withDatabase(
  process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_SERVER_URL,
  `crm_t_${randomBytes(6).toString("hex")}`,
);
after(() => dropDatabase(url));

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test("creates the database, applies migrations and prints JSON lines", async () => {
  const { stdout } = await run(process.execPath, [cli], { env: { ...process.env, DATABASE_URL: url } });
  const lines = jsonLines(stdout);
  assert.ok(lines.some((l) => l.msg === "database created"));
  const last = lines.at(-1);
  assert.equal(last?.msg, "migrate finished");
  assert.ok(Array.isArray(last?.applied) && last.applied.length > 0);

  const again = jsonLines((await run(process.execPath, [cli], { env: { ...process.env, DATABASE_URL: url } })).stdout);
  assert.deepEqual(again.at(-1)?.applied, []);
});

test("exits 1 with a clear message when DATABASE_URL is missing", async () => {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  await assert.rejects(run(process.execPath, [cli], { env }), (err: { code?: number; stderr?: string }) => {
    assert.equal(err.code, 1);
    assert.match(err.stderr ?? "", /DATABASE_URL is not set/);
    return true;
  });
});

test("exits 1 naming the failure when the server is unreachable, without printing the password", async () => {
  const env = { ...process.env, DATABASE_URL: "postgresql://u:hunter2@127.0.0.1:1/nope" };
  await assert.rejects(
    run(process.execPath, [cli], { env }),
    (err: { code?: number; stderr?: string; stdout?: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr ?? "", /migrate failed: .*ECONNREFUSED/);
      assert.doesNotMatch(`${err.stdout}${err.stderr}`, /hunter2/);
      return true;
    },
  );
});
