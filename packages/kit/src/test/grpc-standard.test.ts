import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { createLogger } from "../logger.js";
import { createMetrics } from "../metrics.js";
import { createGrpcClient } from "../grpc/client.js";
import { startPart, type RunningPart } from "../part.js";
import { echoPart } from "./echo-part.js";

const MESH_SECRET = randomBytes(32).toString("hex");

/** What any gRPC tool expects of every server: grpc.health.v1 and server reflection. */
describe("standard gRPC services on every kit server", () => {
  let part: RunningPart;
  before(async () => {
    part = await startPart(echoPart, { env: { MESH_SECRET, LOG_LEVEL: "silent" } });
  });
  after(async () => part.stop());

  it("answers grpc.health.v1 Check with SERVING", async () => {
    const client = createGrpcClient({
      peer: "echo",
      address: `127.0.0.1:${part.grpcPort}`,
      file: "crm/kit/v1/echo.proto",
      service: "crm.kit.v1.EchoService",
      self: "test",
      meshSecret: MESH_SECRET,
      logger: createLogger({ name: "t", level: "silent" }),
      metrics: createMetrics("t"),
    });
    await client.health();
    client.close();
  });

  it("lists its services through server reflection", async () => {
    const require = createRequire(import.meta.url);
    const protoPath = path.join(
      path.dirname(require.resolve("@grpc/reflection/package.json")),
      "build/proto/grpc/reflection/v1/reflection.proto",
    );
    const def = protoLoader.loadSync(protoPath, { keepCase: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
    };
    const client = new pkg.grpc.reflection.v1.ServerReflection(
      `127.0.0.1:${part.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    const call = (
      client as unknown as {
        ServerReflectionInfo(): grpc.ClientDuplexStream<
          object,
          { list_services_response?: { service: { name: string }[] } }
        >;
      }
    ).ServerReflectionInfo();
    const answer = new Promise<string[]>((resolve, reject) => {
      call.on("data", (msg) =>
        resolve((msg.list_services_response?.service ?? []).map((s: { name: string }) => s.name)),
      );
      call.on("error", reject);
    });
    call.write({ list_services: "*" });
    const names = await answer;
    call.end();
    client.close();
    assert.ok(names.includes("crm.kit.v1.EchoService"), names.join(","));
  });
});
