import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeUser, startMesh, validConfig, type Mesh } from "../testing/harness.js";

interface Label {
  name: string;
  version: number;
  previousVersion?: number | null;
  revision: number;
}
interface Event {
  revision: number;
  action: string;
  version: number;
  previousVersion: number | null;
  movedBy: string;
}

/** Labels: moves, history, rollback, and optimistic concurrency (no lost update when moves race). */
describe("labels", () => {
  let mesh: Mesh;
  const alice = makeUser("alice");
  let id: string;
  const label = (name: string) => `/api/v1/experiments/${id}/labels/${name}`;
  const put = (name: string, body: unknown, headers?: Record<string, string>) =>
    mesh.api.put<Label & Record<string, unknown>>(alice, label(name), body, headers);
  const history = async (name: string) =>
    (await mesh.api.get<{ items: Event[] }>(alice, `${label(name)}/history?limit=100`)).body.items;

  before(async () => {
    mesh = await startMesh();
    id = String((await mesh.api.post(alice, "/api/v1/experiments", { name: "labels" })).body.id);
    for (let i = 0; i < 10; i++)
      await mesh.api.post(alice, `/api/v1/experiments/${id}/versions`, {
        config: validConfig({ temperature: i / 10 }),
      });
  });
  after(() => mesh.close());

  it("when a label is put, then 200 with the version and an ETag, and the experiment lists it", async () => {
    const res = await put("production", { version: 1 });
    assert.equal(res.status, 200);
    assert.equal(res.body.name, "production");
    assert.equal(res.body.version, 1);
    assert.equal(res.body.previousVersion, null);
    assert.equal(res.body.revision, 1);
    assert.equal(res.headers.get("etag"), '"1"');
    const moved = await put("production", { version: 3 });
    assert.equal(moved.body.previousVersion, 1);
    assert.equal(moved.body.revision, 2);
    const exp = await mesh.api.get<{ labels: Label[] }>(alice, `/api/v1/experiments/${id}`);
    assert.deepEqual(
      exp.body.labels.map((l) => [l.name, l.version]),
      [["production", 3]],
    );
    const again = await put("production", { version: 3 });
    assert.equal(again.body.revision, 2, "pointing at the version it holds changes nothing");
  });

  it("when the version, label or body is wrong, then 404 / 400", async () => {
    assert.equal((await put("production", { version: 99 })).status, 404);
    assert.equal((await put("bad name!", { version: 1 })).status, 400);
    assert.equal((await put("staging", { version: "1" })).status, 400);
    assert.equal((await put("staging", {})).status, 400);
    assert.equal((await mesh.api.get(alice, label("missing"))).status, 404);
    assert.equal((await mesh.api.get(alice, `${label("missing")}/history`)).status, 404);
    assert.equal((await mesh.api.post(alice, `${label("missing")}/rollback`)).status, 404);
  });

  it("when moved and rolled back, then history has every move and rollback walks back one holding at a time", async () => {
    for (const v of [1, 2, 3, 4]) assert.equal((await put("staging", { version: v })).status, 200);
    const back = await mesh.api.post<Label>(alice, `${label("staging")}/rollback`);
    assert.equal(back.status, 200);
    assert.equal(back.body.version, 3);
    assert.equal(back.body.previousVersion, 4);
    assert.equal((await mesh.api.post<Label>(alice, `${label("staging")}/rollback`)).body.version, 2);
    assert.equal((await mesh.api.post<Label>(alice, `${label("staging")}/rollback`)).body.version, 1);
    const none = await mesh.api.post(alice, `${label("staging")}/rollback`);
    assert.equal(none.status, 409);
    assert.match(String(none.body.detail), /no earlier version/);
    // A move after rollbacks is a new holding; rolling it back returns to where the rollbacks left off.
    await put("staging", { version: 7 });
    assert.equal((await mesh.api.post<Label>(alice, `${label("staging")}/rollback`)).body.version, 1);
    const events = await history("staging");
    assert.deepEqual(
      events.map((e) => [e.revision, e.action, e.previousVersion, e.version]),
      [
        [9, "rollback", 7, 1],
        [8, "move", 1, 7],
        [7, "rollback", 2, 1],
        [6, "rollback", 3, 2],
        [5, "rollback", 4, 3],
        [4, "move", 3, 4],
        [3, "move", 2, 3],
        [2, "move", 1, 2],
        [1, "move", null, 1],
      ],
    );
    assert.ok(events.every((e) => e.movedBy === alice.sub));
    const page = await mesh.api.get<{ items: Event[]; nextCursor: string }>(
      alice,
      `${label("staging")}/history?limit=4`,
    );
    const next = await mesh.api.get<{ items: Event[] }>(
      alice,
      `${label("staging")}/history?limit=4&cursor=${page.body.nextCursor}`,
    );
    assert.deepEqual(
      [...page.body.items, ...next.body.items].map((e) => e.revision),
      [9, 8, 7, 6, 5, 4, 3, 2],
    );
  });

  it("when If-Match or expectedVersion is stale, then 412 with the current state", async () => {
    const current = await mesh.api.get<Label>(alice, label("production"));
    const etag = current.headers.get("etag")!;
    const stale = await put("production", { version: 5 }, { "if-match": '"1"' });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.currentRevision, current.body.revision);
    assert.equal((await put("production", { version: 5, expectedVersion: 1 })).status, 412);
    const ok = await put("production", { version: 5, expectedVersion: current.body.version }, { "if-match": etag });
    assert.equal(ok.status, 200);
    assert.equal((await put("production", { version: 6 }, { "if-match": "garbage" })).status, 400);
    assert.equal((await mesh.api.post(alice, `${label("production")}/rollback`, {}, { "if-match": etag })).status, 412);
  });

  it("when moves race with the same If-Match, then exactly one wins and the others get 412", async () => {
    const start = await put("race-a", { version: 1 });
    const etag = `"${start.body.revision}"`;
    const results = await Promise.all(
      [2, 3, 4, 5, 6, 7, 8, 9].map((v) => put("race-a", { version: v }, { "if-match": etag })),
    );
    const winners = results.filter((r) => r.status === 200);
    assert.equal(winners.length, 1, results.map((r) => r.status).join(","));
    assert.ok(
      results.filter((r) => r.status !== 200).every((r) => r.status === 412 && /re-read/.test(String(r.body.detail))),
    );
    const now = await mesh.api.get<Label>(alice, label("race-a"));
    assert.equal(now.body.version, winners[0]!.body.version);
    assert.equal(now.body.revision, 2);
  });

  it("when moves race without preconditions, then none is lost: losers get 409 and history chains every move", async () => {
    await put("race-b", { version: 1 });
    const results = await Promise.all([2, 3, 4, 5, 6, 7, 8, 9].map((v) => put("race-b", { version: v })));
    assert.ok(
      results.every((r) => r.status === 200 || r.status === 409),
      results.map((r) => r.status).join(","),
    );
    assert.ok(results.some((r) => r.status === 200));
    const events = (await history("race-b")).reverse();
    assert.equal(events.length, 1 + results.filter((r) => r.status === 200).length);
    // Every move says which version it replaced: the one the previous move set. Nothing was overwritten unseen.
    for (let i = 1; i < events.length; i++) assert.equal(events[i]!.previousVersion, events[i - 1]!.version);
    const now = await mesh.api.get<Label>(alice, label("race-b"));
    assert.equal(now.body.version, events.at(-1)!.version);
    assert.equal(now.body.revision, events.length);
  });

  it("when a label is created by racing first moves, then one creates it and the other gets 409", async () => {
    const results = await Promise.all([1, 2].map((v) => put("race-c", { version: v })));
    const statuses = results.map((r) => r.status).sort();
    assert.ok(statuses[0] === 200 && (statuses[1] === 200 || statuses[1] === 409), statuses.join(","));
    assert.equal((await history("race-c")).length, statuses.filter((s) => s === 200).length);
  });
});
