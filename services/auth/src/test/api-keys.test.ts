import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPrisma } from "@crm/db";
import {
  assertNoSecretsInLogs,
  assertResponsesKeepSecrets,
  assertProblem,
  signUp,
  startAuth,
  type Harness,
} from "../testing/harness.js";

interface Validation {
  valid: boolean;
  keyId: string;
  cacheTtlSeconds: number;
  user: { id: string; email: string; role: string; disabled: boolean } | null;
}

describe("API keys: create, list, validate over gRPC, revoke", () => {
  let h: Harness;
  let owner: Awaited<ReturnType<typeof signUp>>;
  const secrets: string[] = [];
  const validate = (key: string) => h.grpc.unary<Validation>("ValidateApiKey", { key });

  before(async () => {
    h = await startAuth();
    owner = await signUp(h, "keys.owner@example.com");
    secrets.push(owner.accessToken, owner.refreshToken);
  });
  after(async () => {
    assertNoSecretsInLogs(h, secrets);
    assertResponsesKeepSecrets(h, [], [...new Set(secrets)]);
    await h.stop();
  });

  it("create: 201 {id,name,prefix,key}, the key shown once and stored only hashed", async () => {
    const res = await h.call("POST", "/api/v1/auth/api-keys", { as: owner.identity, body: { name: "ci" } });
    assert.equal(res.status, 201, res.text);
    const key = res.body.key as string;
    secrets.push(key);
    assert.match(key, /^crm_[A-Za-z0-9_-]{43}$/);
    assert.equal(res.body.name, "ci");
    assert.equal(res.body.prefix, key.slice(0, 12));
    assert.equal(typeof res.body.id, "string");

    const db = createPrisma(h.db.url);
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: res.body.id as string } });
    await db.$disconnect();
    assert.notEqual(row.keyHash, key);
    assert.ok(!JSON.stringify(row).includes(key.slice(12)), "the key's secret part is in the database");
  });

  it("list: the caller's keys, never the key itself", async () => {
    const created = await h.call("POST", "/api/v1/auth/api-keys", { as: owner.identity, body: { name: "laptop" } });
    secrets.push(created.body.key as string);
    const list = await h.call<{ items: Record<string, unknown>[]; nextCursor: string | null }>(
      "GET",
      "/api/v1/auth/api-keys",
      { as: owner.identity },
    );
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items.map((k) => k.name).sort(), ["ci", "laptop"]);
    for (const item of list.body.items) {
      assert.equal(item.key, undefined);
      assert.equal(item.keyHash, undefined);
    }
    for (const secret of secrets.filter((s) => s.startsWith("crm_"))) assert.ok(!list.text.includes(secret));
    // Paging follows the kit's cursor contract.
    const first = await h.call<{ items: unknown[]; nextCursor: string }>("GET", "/api/v1/auth/api-keys?limit=1", {
      as: owner.identity,
    });
    assert.equal(first.body.items.length, 1);
    assert.equal(typeof first.body.nextCursor, "string");
    const second = await h.call<{ items: unknown[]; nextCursor: string | null }>(
      "GET",
      `/api/v1/auth/api-keys?limit=1&cursor=${first.body.nextCursor}`,
      { as: owner.identity },
    );
    assert.equal(second.body.items.length, 1);
    assert.notDeepEqual(second.body.items, first.body.items);
    assert.equal(second.body.nextCursor, null);
    assertProblem(await h.call("GET", "/api/v1/auth/api-keys?cursor=%%%", { as: owner.identity }), 400);
  });

  it("validate (gRPC): a live key names its owner; unknown and malformed keys are not valid", async () => {
    const created = await h.call("POST", "/api/v1/auth/api-keys", { as: owner.identity, body: { name: "grpc" } });
    const key = created.body.key as string;
    secrets.push(key);
    const ok = await validate(key);
    assert.equal(ok.valid, true);
    assert.equal(ok.keyId, created.body.id);
    assert.equal(ok.user?.id, owner.id);
    assert.equal(ok.user?.email, "keys.owner@example.com");
    assert.equal(ok.user?.role, "member");
    assert.equal(ok.cacheTtlSeconds, 10);

    assert.equal((await validate(`crm_${"A".repeat(43)}`)).valid, false);
    assert.equal((await validate("nope")).valid, false);
    assert.equal((await validate("")).valid, false);
  });

  it("validate records lastUsedAt, at most once a minute", async () => {
    const created = await h.call("POST", "/api/v1/auth/api-keys", { as: owner.identity, body: { name: "used" } });
    const key = created.body.key as string;
    secrets.push(key);
    const db = createPrisma(h.db.url);
    const lastUsed = async () =>
      (await db.apiKey.findUniqueOrThrow({ where: { id: created.body.id as string } })).lastUsedAt;
    assert.equal(await lastUsed(), null);
    await validate(key);
    const first = await lastUsed();
    assert.ok(first instanceof Date);
    await validate(key);
    assert.equal((await lastUsed())?.getTime(), first.getTime());
    await db.$disconnect();
  });

  it("revoke: 204, the key stops validating and leaves the list; someone else's key is 404", async () => {
    const created = await h.call("POST", "/api/v1/auth/api-keys", { as: owner.identity, body: { name: "doomed" } });
    const key = created.body.key as string;
    secrets.push(key);
    const id = created.body.id as string;
    const other = await signUp(h, "someone.else@example.com");
    secrets.push(other.accessToken, other.refreshToken);
    assertProblem(await h.call("DELETE", `/api/v1/auth/api-keys/${id}`, { as: other.identity }), 404);
    assert.equal((await validate(key)).valid, true);

    const del = await h.call("DELETE", `/api/v1/auth/api-keys/${id}`, { as: owner.identity });
    assert.equal(del.status, 204);
    assert.equal((await validate(key)).valid, false);
    const list = await h.call<{ items: { id: string }[] }>("GET", "/api/v1/auth/api-keys", { as: owner.identity });
    assert.ok(!list.body.items.some((k) => k.id === id));
    assert.equal((await h.call("DELETE", `/api/v1/auth/api-keys/${id}`, { as: owner.identity })).status, 204);
    assertProblem(await h.call("DELETE", "/api/v1/auth/api-keys/not-a-uuid", { as: owner.identity }), 404);
  });

  it("anonymous callers cannot manage keys (401); a bad name is 400", async () => {
    assertProblem(await h.call("POST", "/api/v1/auth/api-keys", { body: { name: "x" } }), 401);
    assertProblem(await h.call("GET", "/api/v1/auth/api-keys"), 401);
    assertProblem(await h.call("POST", "/api/v1/auth/api-keys", { as: owner.identity, body: { name: "" } }), 400);
  });

  it("GetUser / GetUserByEmail: found, or NOT_FOUND mapped to the kit's 404", async () => {
    const user = await h.grpc.unary<{ id: string; email: string }>("GetUser", { id: owner.id });
    assert.equal(user.email, "keys.owner@example.com");
    const byEmail = await h.grpc.unary<{ id: string }>("GetUserByEmail", { email: "Keys.Owner@Example.com" });
    assert.equal(byEmail.id, owner.id);
    for (const [method, req] of [
      ["GetUser", { id: "00000000-0000-4000-8000-000000000000" }],
      ["GetUser", { id: "not-a-uuid" }],
      ["GetUserByEmail", { email: "ghost@example.com" }],
    ] as const) {
      await assert.rejects(h.grpc.unary(method, req), (err: { status?: number }) => err.status === 404);
    }
  });
});
