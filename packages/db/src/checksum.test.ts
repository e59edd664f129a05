import assert from "node:assert/strict";
import { test } from "node:test";
import { migrationChecksum, scriptMatchesChecksum } from "./checksum.js";

test("checksum is the zero-padded sha256 hex Prisma records", () => {
  // Same vector as prisma-engines' own checksum test.
  assert.equal(migrationChecksum("hello"), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  assert.equal(migrationChecksum(Buffer.from("hello")), migrationChecksum("hello"));
});

test("a recorded checksum matches regardless of LF/CRLF line endings", () => {
  const unix = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n";
  const windows = unix.replaceAll("\n", "\r\n");
  assert.ok(scriptMatchesChecksum(unix, migrationChecksum(windows)));
  assert.ok(scriptMatchesChecksum(windows, migrationChecksum(unix)));
});

test("any other change does not match", () => {
  assert.ok(!scriptMatchesChecksum("abc\n", migrationChecksum("abc")));
  assert.ok(!scriptMatchesChecksum("SELECT 2;", migrationChecksum("SELECT 1;")));
});

test("old Prisma checksums without zero padding still match", () => {
  // sha256("hello") contains the byte 0x0e, which old Prisma rendered as "e".
  const script = "hello";
  const unpadded = Array.from(Buffer.from(migrationChecksum(script), "hex"), (b) => b.toString(16)).join("");
  assert.ok(unpadded.length < 64);
  assert.ok(scriptMatchesChecksum(script, unpadded));
  assert.ok(!scriptMatchesChecksum("hello!", unpadded));
});
