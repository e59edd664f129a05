import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { createPrisma } from "@crm/db";
import { Validator } from "@seriousme/openapi-schema-validator";
import { ADMIN, MEMBER, newKey, startProvider, type Harness } from "./harness.js";

const API_KEY = "sk-test-VERYSECRET-0123456789abcdefWXYZ";
const models = [{ id: "gpt-x", inputCostPer1k: 0.5, outputCostPer1k: 1.5, contextWindow: 128000 }];

describe("providers", () => {
  let h: Harness;
  before(async () => {
    h = await startProvider();
  });
  after(() => h.close());

  test("when an admin creates a provider with a key, then the key is stored encrypted and never returned", async () => {
    const res = await h.http("POST", "/api/v1/providers", {
      as: ADMIN,
      body: { name: "openai-main", kind: "openai", apiKey: API_KEY, models },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.hasApiKey, true);
    assert.equal(res.body.apiKeyLast4, "WXYZ");
    assert.ok(!res.text.includes(API_KEY));
    assert.equal(res.body.apiKey, undefined);

    const prisma = createPrisma(h.db.url);
    const row = await prisma.provider.findUniqueOrThrow({ where: { id: res.body.id } });
    await prisma.$disconnect();
    assert.ok(row.apiKeyCiphertext?.startsWith("v1:k1:"));
    assert.ok(!row.apiKeyCiphertext!.includes("VERYSECRET"));
    assert.equal(row.apiKeyKeyId, "k1");

    const got = await h.http("GET", `/api/v1/providers/${res.body.id}`, { as: MEMBER });
    assert.equal(got.status, 200);
    assert.equal(got.body.name, "openai-main");
    assert.ok(!got.text.includes("VERYSECRET"));
  });

  test("when a member tries to manage providers, then it is forbidden; reading is allowed", async () => {
    const create = await h.http("POST", "/api/v1/providers", {
      as: MEMBER,
      body: { name: "x", kind: "local", models },
    });
    assert.equal(create.status, 403);
    const list = await h.http("GET", "/api/v1/providers", { as: MEMBER });
    assert.equal(list.status, 200);
    const id = list.body.items[0].id;
    assert.equal(
      (await h.http("PATCH", `/api/v1/providers/${id}`, { as: MEMBER, body: { enabled: false } })).status,
      403,
    );
    assert.equal((await h.http("DELETE", `/api/v1/providers/${id}`, { as: MEMBER })).status, 403);
    assert.equal((await h.http("GET", "/api/v1/providers")).status, 401);
  });

  test("when input is invalid or a name is taken, then the answer says what is wrong", async () => {
    const bad = await h.http("POST", "/api/v1/providers", {
      as: ADMIN,
      body: { name: "", kind: "gemini", models: [] },
    });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.errors.some((e: { path: string }) => e.path === "body.kind"));
    const dup = await h.http("POST", "/api/v1/providers", {
      as: ADMIN,
      body: { name: "openai-main", kind: "openai", models },
    });
    assert.equal(dup.status, 409);
    assert.equal(
      (await h.http("GET", "/api/v1/providers/00000000-0000-4000-8000-000000000000", { as: ADMIN })).status,
      404,
    );
  });

  test("when an admin patches and removes the key, then hasApiKey follows", async () => {
    const created = await h.http("POST", "/api/v1/providers", {
      as: ADMIN,
      body: { name: "anthropic", kind: "anthropic", models },
    });
    assert.equal(created.body.hasApiKey, false);
    const withKey = await h.http("PATCH", `/api/v1/providers/${created.body.id}`, {
      as: ADMIN,
      body: { apiKey: "sk-ant-abcdefghijklmnop" },
    });
    assert.equal(withKey.body.hasApiKey, true);
    assert.equal(withKey.body.apiKeyLast4, "mnop");
    const removed = await h.http("PATCH", `/api/v1/providers/${created.body.id}`, {
      as: ADMIN,
      body: { apiKey: null, enabled: false },
    });
    assert.equal(removed.body.hasApiKey, false);
    assert.equal(removed.body.enabled, false);
    assert.equal((await h.http("DELETE", `/api/v1/providers/${created.body.id}`, { as: ADMIN })).status, 204);
    assert.equal((await h.http("GET", `/api/v1/providers/${created.body.id}`, { as: ADMIN })).status, 404);
  });

  test("when ResolveTarget is called by a service, then it returns the key; a user's identity is refused", async () => {
    const list = await h.http("GET", "/api/v1/providers", { as: ADMIN });
    const p = list.body.items.find((x: { name: string }) => x.name === "openai-main");
    const t = await h.grpc.unary<{ apiKey: string; model: { id: string } }>("ResolveTarget", {
      providerId: p.id,
      model: "gpt-x",
    });
    assert.equal(t.apiKey, API_KEY);
    assert.equal(t.model.id, "gpt-x");
    const { runWithContext, signIdentity } = await import("@crm/kit");
    await assert.rejects(
      runWithContext({ requestId: "r1", identityToken: signIdentity(h.env.MESH_SECRET!, MEMBER) }, () =>
        h.grpc.unary("ResolveTarget", { providerId: p.id, model: "gpt-x" }),
      ),
      (err: { status?: number }) => err.status === 403,
    );
  });

  test("when the active key rotates and reencrypt runs, then rows move to the new key and still decrypt", async () => {
    const prisma = createPrisma(h.db.url);
    const before = await prisma.provider.findFirstOrThrow({ where: { name: "openai-main" } });
    const k2 = newKey();
    const script = fileURLToPath(new URL("../reencrypt.js", import.meta.url));
    const run = spawnSync(process.execPath, [script], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: h.db.url,
        PROVIDER_KEYS: `${h.env.PROVIDER_KEYS},k2:${k2}`,
        PROVIDER_ACTIVE_KEY_ID: "k2",
      },
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /"reencrypted":1/);
    assert.ok(!run.stdout.includes("VERYSECRET"));
    const afterRow = await prisma.provider.findFirstOrThrow({ where: { name: "openai-main" } });
    await prisma.$disconnect();
    assert.equal(afterRow.apiKeyKeyId, "k2");
    assert.notEqual(afterRow.apiKeyCiphertext, before.apiKeyCiphertext);
    const { createKeyring } = await import("../domain/keyring.js");
    const ring = createKeyring(`k2:${k2}`);
    assert.equal(ring.decrypt(afterRow.apiKeyCiphertext!, `provider:${afterRow.id}`), API_KEY);
  });

  test("when /openapi.json is fetched, then it is a valid OpenAPI 3.1 document with the provider routes", async () => {
    const res = await h.http("GET", "/openapi.json");
    assert.equal(res.status, 200);
    assert.ok(res.body.paths["/api/v1/providers/{id}/health"]);
    assert.ok(res.body.paths["/api/v1/quotas"].put);
    const result = await new Validator().validate(res.body);
    assert.equal(result.valid, true, JSON.stringify(result.errors));
  });

  test("when readiness is asked, then Postgres and Redis are checked", async () => {
    const res = await h.http("GET", "/ready");
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.components.map((c: { name: string; status: string }) => `${c.name}:${c.status}`).sort(), [
      "postgres:up",
      "redis:up",
    ]);
  });

  test("the provider key never appears in a log line or a response", () => {
    assert.ok(h.logs.length > 0);
    for (const line of [...h.logs, ...h.responses]) assert.ok(!line.includes("VERYSECRET"), line);
  });
});

describe("MIGRATE_ON_START", () => {
  test("when the database is empty and MIGRATE_ON_START is set, then the part migrates before serving", async () => {
    const { createTestDatabase } = await import("@crm/db/testing");
    const empty = await createTestDatabase({ migrate: false });
    const h = await startProvider({ DATABASE_URL: empty.url, MIGRATE_ON_START: "true" });
    try {
      const res = await h.http("GET", "/api/v1/providers", { as: MEMBER });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(
        res.body.items.map((p: { name: string }) => p.name),
        ["local"],
        "the built-in local provider is seeded",
      );
    } finally {
      await h.close();
      await empty.drop();
    }
  });
});
