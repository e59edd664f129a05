import assert from "node:assert/strict";
import { it } from "node:test";
import { createTestDatabase } from "@crm/db/testing";
import { makeUser, startProjectHarness } from "../testing/harness.js";

it("when MIGRATE_ON_START is set, then the part migrates an empty database before serving", async () => {
  const db = await createTestDatabase({ migrate: false });
  try {
    const h = await startProjectHarness({ MIGRATE_ON_START: "true" }, db);
    try {
      const res = await h.api.post(makeUser("u"), "/api/v1/projects", { name: "fresh" });
      assert.equal(res.status, 201);
    } finally {
      await h.close();
    }
  } finally {
    await db.drop();
  }
});
