import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluateGate, parseVersionConfig, staticSelection } from "./review-config.js";
import { selectRules } from "./static/select.js";

test("the gate counts findings at or above each severity", () => {
  const counts = { info: 5, low: 1, medium: 2, high: 1, critical: 0 };
  assert.equal(evaluateGate(counts, { maxCritical: 0 }).status, "passed");
  const failed = evaluateGate(counts, { maxHigh: 0, maxMedium: 3 });
  assert.equal(failed.status, "failed");
  assert.equal(failed.violations.length, 1, failed.violations.join());
  assert.equal(evaluateGate(counts, { maxTotal: 8 }).status, "failed");
});

test("static rules: list, object and default forms select the curated rules", () => {
  assert.ok(selectRules(undefined).has("eslint/no-eval"));
  assert.ok(!selectRules(undefined).has("eslint/security/detect-object-injection"), "noisy rule off by default");
  const security = selectRules(["security", "!eslint/no-eval"]);
  assert.ok(security.has("eslint/security/detect-child-process") && security.has("secrets/secretlint"));
  assert.ok(!security.has("eslint/no-eval") && !security.has("eslint/no-var"));
  const config = parseVersionConfig(
    JSON.stringify({ staticRules: { include: ["eslint/*"], exclude: ["eslint/no-var"] } }),
    "v1",
  );
  const sel = staticSelection(config);
  const rules = selectRules(sel.patterns);
  assert.ok(rules.has("eslint/no-debugger") && !rules.has("eslint/no-var") && !rules.has("text/todo"));
  assert.equal(staticSelection(parseVersionConfig('{"staticRules":{"enabled":false}}', "v2")).enabled, false);
  assert.throws(
    () => parseVersionConfig('{"maxTokens":"lots"}', "v3"),
    (e: { status?: number }) => e.status === 400,
  );
});
