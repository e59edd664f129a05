import assert from "node:assert/strict";
import { it } from "node:test";
import { configHash } from "./review-config.js";
import { diffConfigs } from "./diff.js";

it("diffs configs into add/remove/replace with JSON pointers, old and new values", () => {
  const a = { model: "gpt", temperature: 0.2, staticRules: ["a", "b"], extra: { x: 1 }, "we/ird~": 1 };
  const b = { model: "claude", staticRules: ["a", "b", "c"], extra: { x: 1, y: 2 }, "we/ird~": 2 };
  const changes = diffConfigs(a, b);
  const byPath = new Map(changes.map((c) => [c.path, c]));
  assert.deepEqual(byPath.get("/model"), { op: "replace", path: "/model", from: "gpt", to: "claude" });
  assert.deepEqual(byPath.get("/temperature"), { op: "remove", path: "/temperature", from: 0.2 });
  assert.deepEqual(byPath.get("/staticRules/2"), { op: "add", path: "/staticRules/2", to: "c" });
  assert.deepEqual(byPath.get("/extra/y"), { op: "add", path: "/extra/y", to: 2 });
  assert.deepEqual(byPath.get("/we~1ird~0"), { op: "replace", path: "/we~1ird~0", from: 1, to: 2 });
  assert.deepEqual(diffConfigs(a, a), []);
});

it("hashes the RFC 8785 canonical form: key order and number spelling do not matter", () => {
  assert.equal(
    configHash({ b: 1, a: [1, { d: 2, c: 3 }] }),
    configHash(JSON.parse('{"a":[1.0,{"c":3,"d":2e0}],"b":1}')),
  );
  assert.notEqual(configHash({ a: 1 }), configHash({ a: 2 }));
  assert.match(configHash({}), /^[0-9a-f]{64}$/);
});
