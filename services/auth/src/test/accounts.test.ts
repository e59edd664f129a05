import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPrisma } from "@crm/db";
import {
  STRONG,
  assertNoSecretsInLogs,
  assertResponsesKeepSecrets,
  assertProblem,
  signUp,
  startAuth,
  type Harness,
} from "../testing/harness.js";

describe("accounts: register, login, refresh, logout, me", () => {
  let h: Harness;
  const secrets: string[] = [STRONG];

  before(async () => {
    h = await startAuth();
  });
  after(async () => {
    // Stored hashes must not leak either: read them straight from the database.
    const db = createPrisma(h.db.url);
    secrets.push(...(await db.user.findMany()).map((u) => u.passwordHash));
    await db.$disconnect();
    assertNoSecretsInLogs(h, secrets);
    const issued = secrets.filter((s) => s.startsWith("crm_rt_") || s.startsWith("eyJ"));
    assertResponsesKeepSecrets(
      h,
      secrets.filter((s) => !issued.includes(s) && !s.startsWith("$argon2")),
      issued,
    );
    for (const body of h.responses) assert.ok(!body.includes("$argon2"), "a password hash left the service");
    await h.stop();
  });

  it("when someone registers, then 201 with {id,email,name,role} and the e-mail lower-cased", async () => {
    const res = await h.call("POST", "/api/v1/auth/register", {
      body: { email: "Ada.Lovelace@Example.COM", password: STRONG, name: "Ada" },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(typeof res.body.id, "string");
    assert.equal(res.body.email, "ada.lovelace@example.com");
    assert.equal(res.body.name, "Ada");
    assert.equal(res.body.role, "member");
    assert.equal(res.body.passwordHash, undefined);
    assert.equal(res.body.password, undefined);
  });

  it("when the e-mail is taken (in any case), then 409", async () => {
    const res = await h.call("POST", "/api/v1/auth/register", {
      body: { email: "ADA.LOVELACE@example.com", password: STRONG, name: "Ada again" },
    });
    assertProblem(res, 409);
  });

  it("when the body is invalid, then 400 with errors[] naming each field", async () => {
    const res = await h.call("POST", "/api/v1/auth/register", { body: { email: "not-an-email", name: "" } });
    assertProblem(res, 400);
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path).sort();
    assert.deepEqual(paths, ["body.email", "body.name", "body.password"]);
  });

  for (const [why, password] of [
    ["too short", "Sh0rt!pw"],
    ["a common password", "password1234"],
    ["a keyboard walk", "qwertyuiop123"],
    ["one repeated character", "aaaaaaaaaaaaaaaa"],
    ["built from the e-mail", "weakling.user2024"],
  ] as const) {
    it(`when the password is ${why}, then 400 naming body.password (and never echoing it)`, async () => {
      const res = await h.call("POST", "/api/v1/auth/register", {
        body: { email: "weakling.user@example.com", password, name: "Weak" },
      });
      assertProblem(res, 400);
      const errors = res.body.errors as { path: string; message: string }[];
      assert.equal(errors[0]?.path, "body.password");
      assert.ok(!res.text.includes(password));
      secrets.push(password);
    });
  }

  it("when the credentials are right, then 200 with a Bearer pair and expiresIn", async () => {
    const res = await h.call("POST", "/api/v1/auth/login", {
      body: { email: "ada.lovelace@EXAMPLE.com", password: STRONG },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.tokenType, "Bearer");
    assert.equal(res.body.expiresIn, 900);
    assert.equal(typeof res.body.accessToken, "string");
    assert.equal(typeof res.body.refreshToken, "string");
    secrets.push(res.body.accessToken as string, res.body.refreshToken as string);
  });

  it("when the password is wrong or the e-mail unknown, then the very same 401", async () => {
    const wrong = await h.call("POST", "/api/v1/auth/login", {
      body: { email: "ada.lovelace@example.com", password: "Not-the-right-password-9" },
    });
    const unknown = await h.call("POST", "/api/v1/auth/login", {
      body: { email: "nobody@example.com", password: "Not-the-right-password-9" },
    });
    assertProblem(wrong, 401);
    assertProblem(unknown, 401);
    const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
    assert.deepEqual(strip(wrong.body), strip(unknown.body));
  });

  it("when the login body is missing fields, then 400", async () => {
    assertProblem(await h.call("POST", "/api/v1/auth/login", { body: { email: "x@example.com" } }), 400);
  });

  it("when a request carries no mesh identity, then 401 (the kit refuses it)", async () => {
    const res = await h.call("POST", "/api/v1/auth/login", {
      as: null,
      body: { email: "ada.lovelace@example.com", password: STRONG },
    });
    assertProblem(res, 401);
  });

  it("me: the signed-in user; anonymous callers get 401", async () => {
    const user = await signUp(h, "grace@example.com", STRONG, "Grace");
    secrets.push(user.accessToken, user.refreshToken);
    const me = await h.call("GET", "/api/v1/auth/me", { as: user.identity });
    assert.equal(me.status, 200, me.text);
    assert.deepEqual(
      { id: me.body.id, email: me.body.email, name: me.body.name, role: me.body.role },
      { id: user.id, email: "grace@example.com", name: "Grace", role: "member" },
    );
    assertProblem(await h.call("GET", "/api/v1/auth/me"), 401);
  });

  it("refresh: rotates, spends the old token, and reuse of a spent one revokes the whole family", async () => {
    const user = await signUp(h, "linus@example.com");
    const first = await h.call<{ refreshToken: string; accessToken: string }>("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: user.refreshToken },
    });
    assert.equal(first.status, 200, first.text);
    assert.notEqual(first.body.refreshToken, user.refreshToken);
    assert.equal((first.body as Record<string, unknown>).tokenType, "Bearer");
    const second = await h.call<{ refreshToken: string }>("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: first.body.refreshToken },
    });
    assert.equal(second.status, 200, second.text);
    secrets.push(user.refreshToken, first.body.refreshToken, second.body.refreshToken, first.body.accessToken);

    // The first token was spent: presenting it again is reuse.
    assertProblem(await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: user.refreshToken } }), 401);
    // ...which revoked the family: the newest token stops working too.
    assertProblem(
      await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: second.body.refreshToken } }),
      401,
    );
    // Another login starts a new family that works.
    const again = await h.call("POST", "/api/v1/auth/login", {
      body: { email: "linus@example.com", password: STRONG },
    });
    assert.equal(again.status, 200);
    const fresh = await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: again.body.refreshToken } });
    assert.equal(fresh.status, 200);
  });

  it("when the same refresh token is used twice concurrently, then exactly one wins", async () => {
    const user = await signUp(h, "race@example.com");
    const [a, b] = await Promise.all([
      h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: user.refreshToken } }),
      h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: user.refreshToken } }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 401]);
  });

  it("when the refresh token is unknown or malformed, then 401; a missing one is 400", async () => {
    assertProblem(await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: "crm_rt_nope" } }), 401);
    assertProblem(await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: "garbage" } }), 401);
    assertProblem(await h.call("POST", "/api/v1/auth/refresh", { body: {} }), 400);
  });

  it("logout: 204, and the family's tokens stop refreshing; logging out again is still 204", async () => {
    const user = await signUp(h, "margaret@example.com");
    const rotated = await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: user.refreshToken } });
    const newest = rotated.body.refreshToken as string;
    const out = await h.call("POST", "/api/v1/auth/logout", { body: { refreshToken: newest } });
    assert.equal(out.status, 204);
    assert.equal(out.text, "");
    assertProblem(await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: newest } }), 401);
    assert.equal((await h.call("POST", "/api/v1/auth/logout", { body: { refreshToken: newest } })).status, 204);
    assert.equal(
      (await h.call("POST", "/api/v1/auth/logout", { body: { refreshToken: "crm_rt_unknown" } })).status,
      204,
    );
    assertProblem(await h.call("POST", "/api/v1/auth/logout", { body: {} }), 400);
  });

  it("when an unknown /api route is called, then 404 problem+json", async () => {
    assertProblem(await h.call("GET", "/api/v1/auth/nothing-here"), 404);
  });
});
