import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startPart } from "@crm/kit";
import part from "../part.js";
import { STRONG, assertNoSecretsInLogs, assertProblem, signUp, startAuth, type Harness } from "../testing/harness.js";

const ADMIN_EMAIL = "Root@Example.com";
const ADMIN_PASSWORD = "sturdy-Bootstrap-admin-passphrase-7";

interface UserItem {
  id: string;
  email: string;
  role: string;
  disabled: boolean;
}

describe("admin: bootstrap, list users, change role, disable", () => {
  let h: Harness;
  let admin: Awaited<ReturnType<typeof signUp>>["identity"];
  let adminId: string;
  const secrets = [ADMIN_PASSWORD, STRONG];

  before(async () => {
    h = await startAuth({ BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL, BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD });
  });
  after(async () => {
    assertNoSecretsInLogs(h, secrets);
    await h.stop();
  });

  it("bootstraps the configured admin, who can sign in with role admin", async () => {
    const login = await h.call("POST", "/api/v1/auth/login", {
      body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    });
    assert.equal(login.status, 200, login.text);
    secrets.push(login.body.accessToken as string, login.body.refreshToken as string);
    admin = h.bearer(login.body.accessToken as string);
    assert.equal(admin.role, "admin");
    assert.equal(admin.email, "root@example.com");
    adminId = admin.sub;
  });

  it("lists users, paged, to admins only; members get 403, anonymous 401", async () => {
    const a = await signUp(h, "alice@example.com");
    const b = await signUp(h, "bob@example.com");
    secrets.push(a.accessToken, a.refreshToken, b.accessToken, b.refreshToken);
    const page1 = await h.call<{ items: UserItem[]; nextCursor: string }>("GET", "/api/v1/users?limit=2", {
      as: admin,
    });
    assert.equal(page1.status, 200, page1.text);
    assert.equal(page1.body.items.length, 2);
    assert.equal(page1.body.items[0]?.email, "root@example.com");
    const page2 = await h.call<{ items: UserItem[]; nextCursor: string | null }>(
      "GET",
      `/api/v1/users?limit=2&cursor=${page1.body.nextCursor}`,
      { as: admin },
    );
    assert.deepEqual(
      [...page1.body.items, ...page2.body.items].map((u) => u.email),
      ["root@example.com", "alice@example.com", "bob@example.com"],
    );
    assert.equal(page2.body.nextCursor, null);
    assert.ok(!page1.text.includes("argon2") && !page2.text.includes("argon2"));
    assertProblem(await h.call("GET", "/api/v1/users?limit=500", { as: admin }), 400);

    assertProblem(await h.call("GET", "/api/v1/users", { as: a.identity }), 403);
    assertProblem(await h.call("PATCH", `/api/v1/users/${b.id}`, { as: a.identity, body: { role: "admin" } }), 403);
    assertProblem(await h.call("POST", "/api/v1/auth/keys/rotate", { as: a.identity }), 403);
    assertProblem(await h.call("GET", "/api/v1/users"), 401);
  });

  it("patch role: a promoted member gets role admin in tokens from then on", async () => {
    const carol = await signUp(h, "carol@example.com");
    const res = await h.call("PATCH", `/api/v1/users/${carol.id}`, { as: admin, body: { role: "admin" } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.role, "admin");
    const refreshed = await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: carol.refreshToken } });
    assert.equal(h.bearer(refreshed.body.accessToken as string).role, "admin");
    const me = await h.call("GET", "/api/v1/auth/me", { as: h.bearer(refreshed.body.accessToken as string) });
    assert.equal(me.body.role, "admin");
    secrets.push(carol.accessToken, carol.refreshToken, refreshed.body.refreshToken as string);
  });

  it("patch validation: 400 for bad bodies, 404 for unknown ids", async () => {
    const dave = await signUp(h, "dave@example.com");
    for (const body of [{}, { role: "owner" }, { disabled: "yes" }]) {
      const res = await h.call("PATCH", `/api/v1/users/${dave.id}`, { as: admin, body });
      assertProblem(res, 400);
      assert.ok(Array.isArray(res.body.errors));
    }
    assertProblem(
      await h.call("PATCH", "/api/v1/users/00000000-0000-4000-8000-000000000000", {
        as: admin,
        body: { role: "admin" },
      }),
      404,
    );
    assertProblem(await h.call("PATCH", "/api/v1/users/nope", { as: admin, body: { role: "admin" } }), 404);
  });

  it("a disabled user cannot sign in or refresh, and their API keys stop validating", async () => {
    const eve = await signUp(h, "eve@example.com");
    const key = await h.call("POST", "/api/v1/auth/api-keys", { as: eve.identity, body: { name: "k" } });
    secrets.push(eve.accessToken, eve.refreshToken, key.body.key as string);
    const validate = () => h.grpc.unary<{ valid: boolean }>("ValidateApiKey", { key: key.body.key as string });
    assert.equal((await validate()).valid, true);

    const res = await h.call<UserItem>("PATCH", `/api/v1/users/${eve.id}`, { as: admin, body: { disabled: true } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.disabled, true);

    assertProblem(
      await h.call("POST", "/api/v1/auth/login", { body: { email: "eve@example.com", password: STRONG } }),
      403,
    );
    // The wrong password still gets the generic 401: "disabled" is only told to whoever knows the password.
    const wrong = await h.call("POST", "/api/v1/auth/login", {
      body: { email: "eve@example.com", password: "Wrong-password-for-eve-1" },
    });
    assertProblem(wrong, 401);
    assertProblem(await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: eve.refreshToken } }), 401);
    assert.equal((await validate()).valid, false);
    const viaGrpc = await h.grpc.unary<{ disabled: boolean }>("GetUser", { id: eve.id });
    assert.equal(viaGrpc.disabled, true);

    // Enabled again: signs in, the key works again (it was never revoked).
    await h.call("PATCH", `/api/v1/users/${eve.id}`, { as: admin, body: { disabled: false } });
    assert.equal(
      (await h.call("POST", "/api/v1/auth/login", { body: { email: "eve@example.com", password: STRONG } })).status,
      200,
    );
    assert.equal((await validate()).valid, true);
  });

  it("the last enabled admin cannot be demoted or disabled (409)", async () => {
    // carol was promoted above: demote her, then the bootstrap admin is the only one left.
    const list = await h.call<{ items: UserItem[] }>("GET", "/api/v1/users?limit=100", { as: admin });
    const carol = list.body.items.find((u) => u.email === "carol@example.com")!;
    assert.equal(
      (await h.call("PATCH", `/api/v1/users/${carol.id}`, { as: admin, body: { role: "member" } })).status,
      200,
    );
    assertProblem(await h.call("PATCH", `/api/v1/users/${adminId}`, { as: admin, body: { role: "member" } }), 409);
    assertProblem(await h.call("PATCH", `/api/v1/users/${adminId}`, { as: admin, body: { disabled: true } }), 409);
  });

  it("a restart with the same bootstrap settings leaves the existing admin alone", async () => {
    const second = await startPart(part, { env: { ...h.env, LOG_LEVEL: "silent" } });
    await second.stop();
    const list = await h.call<{ items: UserItem[] }>("GET", "/api/v1/users?limit=100", { as: admin });
    assert.equal(list.body.items.filter((u) => u.email === "root@example.com").length, 1);
    const login = await h.call("POST", "/api/v1/auth/login", {
      body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    });
    assert.equal(login.status, 200);
    secrets.push(login.body.accessToken as string, login.body.refreshToken as string);
  });

  it("refuses to start with half the bootstrap settings or a weak bootstrap password", async () => {
    const { BOOTSTRAP_ADMIN_EMAIL: _e, BOOTSTRAP_ADMIN_PASSWORD: _p, ...rest } = h.env;
    const env = { ...rest, LOG_LEVEL: "silent" };
    await assert.rejects(startPart(part, { env: { ...env, BOOTSTRAP_ADMIN_EMAIL: "x@example.com" } }), /set together/);
    await assert.rejects(
      startPart(part, { env: { ...env, BOOTSTRAP_ADMIN_EMAIL: "new@example.com", BOOTSTRAP_ADMIN_PASSWORD: "admin" } }),
      /BOOTSTRAP_ADMIN_PASSWORD must be at least 12/,
    );
  });
});
