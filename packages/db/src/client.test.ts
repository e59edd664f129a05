import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createPrisma } from "./client.js";
import { Prisma, type PrismaClient } from "./index.js";
import { createTestDatabase, type TestDatabase } from "./testing.js";

let db: TestDatabase;
let prisma: PrismaClient;

before(async () => {
  db = await createTestDatabase();
  prisma = createPrisma(`${db.url}?schema=ignored`, { poolSize: 2 });
});
after(async () => {
  // Guarded: if `before` failed these were never set, and the real error is already reported.
  await (prisma as PrismaClient | undefined)?.$disconnect();
  await (db as TestDatabase | undefined)?.drop();
});

test("the generated client reads and writes the auth schema through the pg adapter", async () => {
  const user = await prisma.user.create({
    data: {
      email: "ada@example.com",
      name: "Ada",
      passwordHash: "x",
      apiKeys: { create: { name: "ci", prefix: "crm_ab12", keyHash: "h1" } },
      refreshTokens: {
        create: { familyId: crypto.randomUUID(), tokenHash: "t1", expiresAt: new Date(Date.now() + 60_000) },
      },
    },
    include: { apiKeys: true, refreshTokens: true },
  });
  assert.equal(user.role, "member");
  assert.equal(user.disabled, false);
  assert.match(user.id, /^[0-9a-f-]{36}$/);
  assert.equal(user.apiKeys[0]?.prefix, "crm_ab12");

  await prisma.signingKey.create({
    data: { kid: "k1", alg: "EdDSA", publicJwk: { kty: "OKP", crv: "Ed25519", x: "abc" }, privateJwk: { d: "secret" } },
  });
  const key = await prisma.signingKey.findUniqueOrThrow({ where: { kid: "k1" } });
  assert.deepEqual(key.publicJwk, { kty: "OKP", crv: "Ed25519", x: "abc" });
});

test("unique violations surface as Prisma known errors (P2002)", async () => {
  await assert.rejects(
    prisma.user.create({ data: { email: "ada@example.com", name: "Other", passwordHash: "y" } }),
    (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002",
  );
});

test("deleting a user cascades to its tokens and keys", async () => {
  await prisma.user.delete({ where: { email: "ada@example.com" } });
  assert.equal(await prisma.apiKey.count(), 0);
  assert.equal(await prisma.refreshToken.count(), 0);
});
