import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { configTable, withConfigTable } from "@crm/platform";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

describe("README", () => {
  it("documents every configuration variable of every part as the code declares it", async () => {
    const readme = await readFile(path.join(root, "README.md"), "utf8");
    const expected = withConfigTable(readme, await configTable());
    assert.equal(readme, expected, "README config table is stale: run `node scripts/config-docs.mjs --write`");
  });

  it("names the two commands, and CI runs the README's test command", async () => {
    const readme = await readFile(path.join(root, "README.md"), "utf8");
    assert.match(readme, /^npm start\b/m);
    assert.match(readme, /^npm test\b/m);
    const ci = await readFile(path.join(root, ".ci/run"), "utf8");
    assert.match(ci, /^npm test$/m);
  });
});
