// The helper scripts docs/deployment.md tells people to run: shellcheck-clean shell, gen-env
// never overwriting a .env, the dev cluster's Secret valid and consistent with what the parts
// and the in-cluster datastores read, the Dockerfiles regenerated from one template.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { loadConfig } from "@crm/kit";
import { parseYamlStream, validateObject } from "./lib/k8s.js";
import { loadPart, partByName, repoPath, repoRoot } from "./lib/parts.js";
import { onPath, run } from "./lib/proc.js";

test("shell scripts pass shellcheck", (t) => {
  if (!onPath("shellcheck")) {
    t.diagnostic("SKIPPED: shellcheck is not installed (bash scripts/ci-tools.sh)");
    t.skip("shellcheck not installed");
    return;
  }
  const scripts = readdirSync(repoPath("deploy/scripts"))
    .filter((f) => f.endsWith(".sh"))
    .map((f) => `deploy/scripts/${f}`);
  assert.ok(scripts.length > 0);
  const r = run("shellcheck", scripts, { cwd: repoRoot });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test("gen-env.mjs never overwrites an existing .env", () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "crm-genenv-")), ".env");
  writeFileSync(file, "MESH_SECRET=keep-me\n");
  const r = run(process.execPath, [repoPath("deploy/scripts/gen-env.mjs"), file]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /not overwriting/);
});

test("k8s-secret.mjs makes a valid Secret whose values the parts and the dev datastores accept", async () => {
  const r = run(process.execPath, [repoPath("deploy/scripts/k8s-secret.mjs"), "codereview-dev"]);
  assert.equal(r.status, 0, r.stderr);
  const [secret] = parseYamlStream(r.stdout);
  assert.ok(secret);
  validateObject(secret);
  assert.equal(secret.metadata.namespace, "codereview-dev");
  const data = secret.stringData as Record<string, string>;
  assert.equal(new URL(data.DATABASE_URL!).password, data.POSTGRES_PASSWORD, "DATABASE_URL uses the postgres password");
  assert.equal(new URL(data.DATABASE_URL!).hostname, "postgres", "… of the in-cluster Service");
  assert.equal(new URL(data.REDIS_URL!).password, data.REDIS_PASSWORD, "REDIS_URL uses the redis password");
  for (const name of ["provider", "auth", "gateway"]) {
    const loaded = await loadPart(partByName(name));
    if (!loaded.ok) continue;
    const env: Record<string, string> = { ...data, AUTH_URL: "http://auth:4001", AUTH_GRPC_ADDR: "auth:5001" };
    for (const key of loaded.part.required) env[key] ??= data[key] ?? "";
    loadConfig(name, loaded.part.module.config, env);
  }
});

test("the committed Dockerfiles are what the template renders", () => {
  const r = run(process.execPath, [repoPath("deploy/dist/cli/dockerfiles.js"), "--check"], { cwd: repoRoot });
  assert.equal(r.status, 0, r.stderr);
});
