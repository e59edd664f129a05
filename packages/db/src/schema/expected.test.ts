import assert from "node:assert/strict";
import { test } from "node:test";
import { prismaConstraintName } from "./expected.js";

test("Prisma's default constraint names", () => {
  assert.equal(prismaConstraintName("users", ["id"], "pkey"), "users_pkey");
  assert.equal(prismaConstraintName("users", ["email"], "key"), "users_email_key");
  assert.equal(prismaConstraintName("api_keys", ["user_id"], "idx"), "api_keys_user_id_idx");
  assert.equal(prismaConstraintName("api_keys", ["user_id"], "fkey"), "api_keys_user_id_fkey");
});

test("long names are truncated to PostgreSQL's 63-byte limit, keeping the suffix", () => {
  const name = prismaConstraintName(
    "a_very_long_table_name_for_testing",
    ["first_long_column", "second_long_column"],
    "key",
  );
  assert.equal(name.length, 63);
  assert.ok(name.endsWith("_key"));
});
