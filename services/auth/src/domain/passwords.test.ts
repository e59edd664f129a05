import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dummyVerify, hashPassword, needsRehash, passwordWeakness, verifyPassword } from "./passwords.js";

describe("passwords", () => {
  it("hashes with argon2id and verifies only the right password", async () => {
    const hash = await hashPassword("violet-Harbor-quietly-41-lanterns");
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await verifyPassword(hash, "violet-Harbor-quietly-41-lanterns"), true);
    assert.equal(await verifyPassword(hash, "violet-Harbor-quietly-41-lantern"), false);
    assert.equal(needsRehash(hash), false);
    assert.equal(needsRehash("$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaA"), true);
  });

  it("never matches a malformed stored hash, and the dummy never matches", async () => {
    assert.equal(await verifyPassword("not-a-hash", "anything"), false);
    assert.equal(await dummyVerify("anything"), false);
  });

  it("accepts long unguessable passwords", () => {
    assert.equal(passwordWeakness("violet-Harbor-quietly-41-lanterns"), undefined);
    assert.equal(passwordWeakness("correct horse battery staple"), undefined);
  });

  for (const [why, pw, inputs] of [
    ["short", "Xk9#mP2$", []],
    ["common", "password1234", []],
    ["keyboard walk", "qwertyuiop123", []],
    ["repeats", "aaaaaaaaaaaaaaaa", []],
    ["sequence", "abcdefghijklmnop", []],
    ["contains the e-mail name", "jane.doe2024!!", ["jane.doe@example.com"]],
    ["contains the display name", "MargaretHamilton1!", ["m@example.com", "Margaret Hamilton"]],
    ["too long", "x".repeat(300), []],
  ] as const) {
    it(`rejects a ${why} password without echoing it`, () => {
      const reason = passwordWeakness(pw, [...inputs]);
      assert.ok(reason, `expected ${why} to be rejected`);
      assert.ok(!reason.includes(pw));
    });
  }
});
