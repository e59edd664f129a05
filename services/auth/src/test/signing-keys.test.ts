import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPrisma, type PrismaClient } from "@crm/db";
import { createTestDatabase, type TestDatabase } from "@crm/db/testing";
import { createLogger } from "@crm/kit";
import { Validator } from "@seriousme/openapi-schema-validator";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import { signingKeysData } from "../data/signing-keys.js";
import { Keyring } from "../domain/signing-keys.js";
import { assertNoSecretsInLogs, signUp, startAuth, type Harness } from "../testing/harness.js";

const ISSUER = "https://auth.test.example";
const AUDIENCE = "crm-test-api";

describe("access tokens, JWKS and signing key rotation", () => {
  let h: Harness;
  const secrets: string[] = [];
  const jwks = async () => {
    const res = await fetch(`${h.base}/.well-known/jwks.json`);
    return { res, body: (await res.json()) as JSONWebKeySet };
  };
  const verify = async (token: string, set: JSONWebKeySet) =>
    jwtVerify(token, createLocalJWKSet(set), { issuer: ISSUER, audience: AUDIENCE, algorithms: ["EdDSA"] });

  before(async () => {
    h = await startAuth({ AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE, ACCESS_TOKEN_TTL_SECONDS: "600" });
  });
  after(async () => {
    const db = createPrisma(h.db.url);
    const keys = await db.signingKey.findMany();
    await db.$disconnect();
    secrets.push(...keys.map((k) => (k.privateJwk as { d: string }).d));
    assertNoSecretsInLogs(h, secrets);
    for (const body of h.responses) for (const k of keys) assert.ok(!body.includes((k.privateJwk as { d: string }).d));
    await h.stop();
  });

  it("serves public keys only, with kid/alg/use and a short Cache-Control, outside /api", async () => {
    const { res, body } = await jwks();
    assert.equal(res.status, 200);
    assert.match(res.headers.get("cache-control") ?? "", /max-age=(\d{1,3})\b/);
    assert.equal(body.keys.length, 1);
    const key = body.keys[0]!;
    assert.equal(key.kty, "OKP");
    assert.equal(key.crv, "Ed25519");
    assert.equal(key.alg, "EdDSA");
    assert.equal(key.use, "sig");
    assert.equal(typeof key.kid, "string");
    assert.equal(typeof key.x, "string");
    assert.equal(key.d, undefined);
  });

  it("an access token verifies against the JWKS with iss, aud, kid and every claim", async () => {
    const user = await signUp(h, "tokens@example.com");
    secrets.push(user.accessToken, user.refreshToken);
    const { body } = await jwks();
    const { payload, protectedHeader } = await verify(user.accessToken, body);
    assert.equal(protectedHeader.alg, "EdDSA");
    assert.equal(protectedHeader.kid, body.keys[0]!.kid);
    assert.equal(payload.iss, ISSUER);
    assert.equal(payload.aud, AUDIENCE);
    assert.equal(payload.sub, user.id);
    assert.equal(payload.role, "member");
    assert.equal(payload.email, "tokens@example.com");
    assert.equal(typeof payload.jti, "string");
    assert.equal(payload.nbf, payload.iat);
    assert.equal(payload.exp, payload.iat! + 600);
    await assert.rejects(jwtVerify(user.accessToken, createLocalJWKSet(body), { issuer: ISSUER, audience: "other" }));
  });

  it("rotation: new tokens use the new kid; the old kid stays published while its tokens live", async () => {
    const old = await signUp(h, "rotation@example.com");
    secrets.push(old.accessToken, old.refreshToken);
    const oldKid = decodeProtectedHeader(old.accessToken).kid;

    const admin = { sub: "00000000-0000-4000-8000-000000000001", role: "admin" as const, via: "token" as const };
    const rotated = await h.call<{ kid: string }>("POST", "/api/v1/auth/keys/rotate", { as: admin });
    assert.equal(rotated.status, 200, rotated.text);
    assert.notEqual(rotated.body.kid, oldKid);

    const fresh = await h.call("POST", "/api/v1/auth/login", {
      body: { email: "rotation@example.com", password: "violet-Harbor-quietly-41-lanterns" },
    });
    secrets.push(fresh.body.accessToken as string, fresh.body.refreshToken as string);
    assert.equal(decodeProtectedHeader(fresh.body.accessToken as string).kid, rotated.body.kid);

    const db = createPrisma(h.db.url);
    const retired = await db.signingKey.findUniqueOrThrow({ where: { kid: oldKid! } });
    await db.$disconnect();
    assert.ok(retired.retiredAt && retired.notAfter);
    // notAfter = retiredAt + access TTL (+ a small grace for replicas and clock skew).
    const lag = retired.notAfter.getTime() - retired.retiredAt.getTime();
    assert.ok(lag >= 600_000 && lag <= 600_000 + 5 * 60_000, `notAfter - retiredAt = ${lag} ms`);

    const { body } = await jwks();
    assert.deepEqual(body.keys.map((k) => k.kid).sort(), [oldKid, rotated.body.kid].sort());
    await verify(old.accessToken, body); // still verifies
    await verify(fresh.body.accessToken as string, body);
  });
});

describe("keyring across replicas", () => {
  let db: TestDatabase;
  let prisma: PrismaClient;
  const logger = createLogger({ name: "keyring-test", level: "silent" });
  const keyring = (rotationHours = 720) =>
    new Keyring({ data: signingKeysData(prisma), accessTtlSeconds: 900, rotationHours, logger });

  before(async () => {
    db = await createTestDatabase();
    prisma = createPrisma(db.url);
  });
  after(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  it("replicas starting together on an empty database create exactly one key", async () => {
    const replicas = [keyring(), keyring(), keyring(), keyring()];
    await Promise.all(replicas.map((k) => k.start()));
    replicas.forEach((k) => k.stop());
    assert.equal(await prisma.signingKey.count(), 1);
    const kids = await Promise.all(replicas.map(async (k) => (await k.signer()).kid));
    assert.equal(new Set(kids).size, 1);
  });

  it("an overdue key is rotated once, however many replicas notice; it leaves the JWKS after notAfter", async () => {
    const before = await prisma.signingKey.findFirstOrThrow();
    await prisma.signingKey.update({
      where: { kid: before.kid },
      data: { createdAt: new Date(Date.now() - 2 * 3600_000) },
    });
    const replicas = [keyring(1), keyring(1), keyring(1)];
    await Promise.all(replicas.map((k) => k.start()));
    replicas.forEach((k) => k.stop());
    assert.equal(await prisma.signingKey.count(), 2);
    const signing = await replicas[0]!.signer();
    assert.notEqual(signing.kid, before.kid);

    const now = await keyring().jwks();
    assert.deepEqual(now.map((k) => k.kid).sort(), [before.kid, signing.kid].sort());
    const later = await keyring().jwks(new Date(Date.now() + 3 * 3600_000));
    assert.deepEqual(
      later.map((k) => k.kid),
      [signing.kid],
    );
  });
});

describe("OpenAPI", () => {
  let h: Harness;
  before(async () => {
    h = await startAuth();
  });
  after(async () => h.stop());

  it("serves a valid OpenAPI 3.1 document of the public routes, bodies from the zod schemas", async () => {
    const res = await fetch(`${h.base}/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          { requestBody?: { content: Record<string, { schema: { properties: object; required: string[] } }> } }
        >
      >;
    };
    assert.equal(doc.openapi, "3.1.0");
    const result = await new Validator().validate(doc as unknown as Parameters<Validator["validate"]>[0]);
    assert.equal(result.valid, true, JSON.stringify(result.errors));
    for (const path of [
      "/api/v1/auth/register",
      "/api/v1/auth/login",
      "/api/v1/auth/refresh",
      "/api/v1/auth/logout",
      "/api/v1/auth/me",
      "/api/v1/auth/api-keys",
      "/api/v1/auth/api-keys/{id}",
      "/api/v1/users",
      "/api/v1/users/{id}",
      "/.well-known/jwks.json",
    ])
      assert.ok(doc.paths[path], `missing ${path}`);
    const register = doc.paths["/api/v1/auth/register"]!.post!.requestBody!.content["application/json"]!.schema;
    assert.deepEqual(Object.keys(register.properties).sort(), ["email", "name", "password"]);
    assert.deepEqual([...register.required].sort(), ["email", "name", "password"]);
  });
});
