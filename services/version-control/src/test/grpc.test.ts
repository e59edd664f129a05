import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  createGrpcClient,
  createLogger,
  createMetrics,
  runWithContext,
  signIdentity,
  type GrpcClient,
  type HttpError,
  type Identity,
} from "@crm/kit";
import { configHash } from "../domain/review-config.js";
import { makeUser, startMesh, validConfig, type Mesh } from "../testing/harness.js";

interface Version {
  experimentId: string;
  version: number;
  configJson: string;
  configHash: string;
  parentVersion: number;
  projectId: string;
}

/** VersionService over real gRPC, as analysis and comparison call it. */
describe("gRPC VersionService", () => {
  let mesh: Mesh;
  let client: GrpcClient;
  const owner = makeUser("owner");
  const viewer = makeUser("viewer");
  const outsider = makeUser("outsider");
  let id: string;
  let projectId: string;
  const as = <T>(who: Identity, fn: () => Promise<T>) =>
    runWithContext(
      { requestId: randomUUID(), identity: who, identityToken: signIdentity(mesh.env.MESH_SECRET!, who) },
      fn,
    );

  before(async () => {
    mesh = await startMesh();
    projectId = await mesh.projectWith(owner, [[viewer, "viewer"]]);
    id = String((await mesh.api.post(owner, "/api/v1/experiments", { name: "g", projectId })).body.id);
    await mesh.api.post(owner, `/api/v1/experiments/${id}/versions`, { config: validConfig() });
    await mesh.api.post(owner, `/api/v1/experiments/${id}/versions`, { config: validConfig({ temperature: 0.9 }) });
    await mesh.api.put(owner, `/api/v1/experiments/${id}/labels/production`, { version: 2 });
    client = createGrpcClient({
      peer: "version-control",
      address: `127.0.0.1:${mesh.vc.grpcPort}`,
      file: "crm/versioning/v1/versioning.proto",
      service: "crm.versioning.v1.VersionService",
      self: "analysis",
      meshSecret: mesh.env.MESH_SECRET!,
      logger: createLogger({ name: "test", level: "silent" }),
      metrics: createMetrics("test"),
    });
  });
  after(async () => {
    client.close();
    await mesh.close();
  });

  it("GetVersion returns the stored config, hash and lineage (as a service)", async () => {
    const v = await client.unary<Version>("GetVersion", { experimentId: id, version: 2 });
    assert.equal(v.version, 2);
    assert.equal(v.parentVersion, 1);
    assert.equal(v.projectId, projectId);
    assert.deepEqual(JSON.parse(v.configJson), validConfig({ temperature: 0.9 }));
    assert.equal(v.configHash, configHash(JSON.parse(v.configJson)));
    await assert.rejects(
      client.unary("GetVersion", { experimentId: id, version: 3 }),
      (e: HttpError) => e.status === 404,
    );
    await assert.rejects(
      client.unary("GetVersion", { experimentId: randomUUID(), version: 1 }),
      (e: HttpError) => e.status === 404,
    );
  });

  it("ResolveLabel returns the version a label points at", async () => {
    const r = await client.unary<{ label: string; version: Version; revision: number }>("ResolveLabel", {
      experimentId: id,
      label: "production",
    });
    assert.equal(r.label, "production");
    assert.equal(r.version.version, 2);
    assert.equal(r.revision, 1);
    await assert.rejects(
      client.unary("ResolveLabel", { experimentId: id, label: "staging" }),
      (e: HttpError) => e.status === 404,
    );
    await assert.rejects(
      client.unary("ResolveLabel", { experimentId: id, label: "bad label" }),
      (e: HttpError) => e.status === 400,
    );
  });

  it("a user caller is held to the project's membership", async () => {
    const v = await as(viewer, () => client.unary<Version>("GetVersion", { experimentId: id, version: 1 }));
    assert.equal(v.version, 1);
    await assert.rejects(
      as(outsider, () => client.unary("GetVersion", { experimentId: id, version: 1 })),
      (e: HttpError) => e.status === 404,
    );
  });
});
