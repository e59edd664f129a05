import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { BenchContext } from "./context.js";
import { loadGenerator } from "./loadgen.js";
import { startRig, type Rig } from "./rig.js";
import { overheadTables, runOverhead } from "./sections/overhead.js";
import { renderMarkdown, renderText } from "./table.js";

/**
 * The smallest slice of `npm run bench`: the upstream part and the bare Node proxy as their own
 * processes, the real load generator for 1 s each, direct vs proxied. Proves the harness works;
 * the figures themselves are not asserted (speed is the bench's business, not a test's).
 */
describe("bench harness", () => {
  let rig: Rig;
  const ctx: BenchContext = {
    short: true,
    gen: loadGenerator(),
    connections: 10,
    warmupSec: 0,
    measureSec: 1,
    rounds: 1,
    log: () => undefined,
  };

  before(async () => {
    rig = await startRig(() => undefined, false);
  });
  after(async () => rig?.stop());

  it("measures the service directly and through the bare proxy, and renders the table", async () => {
    const result = await runOverhead(ctx, rig, ["direct", "bare"]);
    assert.deepEqual(
      result.rows.map((r) => r.key),
      ["direct", "bare"],
    );
    for (const row of result.rows) {
      assert.ok(row.result, `${row.key} ran (${row.skipped ?? ""})`);
      assert.ok(row.result.requests > 0, `${row.key} served requests`);
      assert.equal(row.result.non2xx + row.result.errors, 0, `${row.key}: every response a 200`);
      assert.ok(row.result.p99Ms >= row.result.p50Ms);
    }
    const [main] = overheadTables(result, ctx);
    assert.match(renderText(main!), /bare Node http proxy/);
    assert.match(renderMarkdown(main!), /^\| row \| req\/s \|/m);
  });
});
