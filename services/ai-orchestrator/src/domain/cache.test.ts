import assert from "node:assert/strict";
import { test } from "node:test";
import { cacheKey, canonicalJson, isDeterministic } from "./cache.js";

test("when two requests differ only in key order or streaming, then they share a cache key", () => {
  const a = cacheKey({ model: "m", messages: [{ role: "user", content: "hi" }], temperature: 0, stream: true });
  const b = cacheKey({ temperature: 0, messages: [{ content: "hi", role: "user" }], model: "m" });
  assert.equal(a, b);
  assert.notEqual(a, cacheKey({ model: "m", messages: [{ role: "user", content: "hi!" }], temperature: 0 }));
  assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: undefined }] }), '{"a":[2,{"d":3}],"b":1}');
});

test("only temperature 0 or seeded single-choice requests are deterministic", () => {
  const base = { model: "m", messages: [] };
  assert.equal(isDeterministic({ ...base, temperature: 0 }), true);
  assert.equal(isDeterministic({ ...base, seed: 7, temperature: 1 }), true);
  assert.equal(isDeterministic({ ...base }), false);
  assert.equal(isDeterministic({ ...base, temperature: 0, n: 2 }), false);
});
