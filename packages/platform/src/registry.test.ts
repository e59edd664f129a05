import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { withConfigTable } from "./config-docs.js";
import { ADDRESSES, PARTS } from "./registry.js";

describe("platform registry", () => {
  it("gives every part its own ports and the gateway the last place in start order", () => {
    const ports = Object.values(ADDRESSES).flatMap((a) => [a.http, ...(a.grpc ? [a.grpc] : [])]);
    assert.equal(new Set(ports).size, ports.length);
    assert.deepEqual(Object.keys(ADDRESSES).sort(), PARTS.map((p) => p.name).sort());
    assert.equal(PARTS.at(-1)?.name, "gateway");
  });

  it("replaces only the text between the README's config-table markers", () => {
    const readme = "# T\n<!-- config-table:start -->\nold\n<!-- config-table:end -->\ntail\n";
    assert.equal(
      withConfigTable(readme, "new"),
      "# T\n<!-- config-table:start -->\nnew\n<!-- config-table:end -->\ntail\n",
    );
    assert.throws(() => withConfigTable("no markers", "x"));
  });
});
