import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

// Runs from dist/: the package folder is one up.
const pkg = fileURLToPath(new URL("..", import.meta.url));
const committed = path.join(pkg, "src", "generated");
const REGENERATE = "run `npm run generate -w @crm/proto` and commit src/generated/";

/** Relative paths (with "/") of every file under dir, sorted. */
function files(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(path.join(dir, name)).isDirectory()) out.push(...files(path.join(dir, name), rel));
    else out.push(rel);
  }
  return out;
}

describe("generated proto types", () => {
  const fresh = mkdtempSync(path.join(tmpdir(), "crm-proto-"));
  after(() => rmSync(fresh, { recursive: true, force: true }));

  test("when regenerated from proto/, then the committed files are byte-identical", () => {
    const run = spawnSync(process.execPath, [path.join(pkg, "scripts", "generate.mjs"), fresh], { encoding: "utf8" });
    assert.equal(run.status, 0, `generate failed: ${run.stderr}`);

    const expected = files(fresh);
    assert.ok(expected.length > 0, "the generator wrote nothing");
    assert.deepEqual(files(committed), expected, `src/generated/ lists other files than proto/ gives; ${REGENERATE}`);
    for (const rel of expected) {
      const same = readFileSync(path.join(committed, rel)).equals(readFileSync(path.join(fresh, rel)));
      assert.ok(same, `src/generated/${rel} differs from what proto/ gives; ${REGENERATE}`);
    }
  });

  test("when a proto package is generated, then index.ts exports all its types", () => {
    const index = readFileSync(path.join(pkg, "src", "index.ts"), "utf8");
    for (const name of readdirSync(path.join(committed, "crm"))) {
      assert.match(index, new RegExp(`export type \\* as ${name} from "\\./${name}\\.js";`), `index.ts: ${name}`);
      const barrel = readFileSync(path.join(pkg, "src", `${name}.ts`), "utf8");
      for (const file of files(path.join(committed, "crm", name))) {
        const spec = `./generated/crm/${name}/${file.replace(/\.ts$/, ".js")}`;
        assert.ok(barrel.includes(`export type * from "${spec}";`), `src/${name}.ts does not re-export ${spec}`);
      }
    }
  });
});
