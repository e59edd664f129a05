import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { createKeyring, KeyringError } from "./keyring.js";

const k = () => randomBytes(32).toString("base64");

test("when a key is encrypted, then it decrypts with the same row id only", () => {
  const ring = createKeyring(`k1:${k()}`);
  const ct = ring.encrypt("sk-secret-1234", "provider:a");
  assert.ok(ct.startsWith("v1:k1:"));
  assert.ok(!ct.includes("sk-secret"));
  assert.equal(ring.decrypt(ct, "provider:a"), "sk-secret-1234");
  assert.throws(() => ring.decrypt(ct, "provider:b"), KeyringError);
});

test("when the active key changes, then old ciphertexts still decrypt and new ones use the new key", () => {
  const k1 = k();
  const old = createKeyring(`k1:${k1}`).encrypt("sk-old", "p");
  const ring = createKeyring(`k1:${k1},k2:${k()}`, "k2");
  assert.equal(ring.decrypt(old, "p"), "sk-old");
  assert.equal(ring.keyIdOf(ring.encrypt("sk-new", "p")), "k2");
});

test("when keys are malformed, then the keyring refuses them clearly", () => {
  assert.throws(() => createKeyring("k1:short"), /32 bytes/);
  assert.throws(() => createKeyring(`k1:${k()}`, "k9"), /not in PROVIDER_KEYS/);
  assert.throws(() => createKeyring(`k1:${k()},k1:${k()}`), /twice/);
  assert.throws(() => createKeyring(`:${k()}`), /<id>:<base64 key>/);
});

test("when a ciphertext is tampered with, then it does not decrypt", () => {
  const ring = createKeyring(`k1:${k()}`);
  const ct = ring.encrypt("sk-x", "p").split(":");
  ct[4] = Buffer.from("garbage").toString("base64url");
  assert.throws(() => ring.decrypt(ct.join(":"), "p"), /does not decrypt/);
});
