import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { HttpError, grpcToHttpStatus, httpToGrpcStatus, toHttpError } from "./errors.js";

describe("error mapping", () => {
  it("maps HTTP and gRPC statuses both ways for the statuses the contract uses", () => {
    for (const code of [400, 401, 403, 404, 409, 429, 503, 504])
      assert.equal(grpcToHttpStatus(httpToGrpcStatus(code)), code);
    assert.equal(grpcToHttpStatus(status.UNAVAILABLE), 503);
    assert.equal(grpcToHttpStatus(status.INTERNAL), 500);
  });

  it("turns a database that cannot be reached into 503 naming postgres, not a 500", () => {
    const prismaDown = Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), {
      name: "PrismaClientInitializationError",
    });
    const pgShutdown = Object.assign(new Error("wrapped"), {
      cause: Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }),
    });
    const shuttingDown = Object.assign(
      new Error("Database error. Code: `57P03`. Message: `the database system is shutting down`"),
      {
        code: "P2039",
        meta: {
          driverAdapterError: { name: "DriverAdapterError", cause: { kind: "postgres", originalCode: "57P03" } },
        },
      },
    );
    const closed = Object.assign(new Error("Server has closed the connection."), {
      code: "P1017",
      meta: { driverAdapterError: { cause: { kind: "ConnectionClosed" } } },
    });
    for (const err of [prismaDown, pgShutdown, shuttingDown, closed]) {
      const mapped = toHttpError(err);
      assert.equal(mapped.status, 503);
      assert.equal(mapped.extensions.dependency, "postgres");
    }
  });

  it("hides unknown errors behind a bare 500 and keeps HttpErrors as they are", () => {
    const unknown = toHttpError(new Error("secret internals"));
    assert.equal(unknown.status, 500);
    assert.ok(!unknown.toProblem().detail.includes("secret"));
    const known = new HttpError(409, "taken");
    assert.equal(toHttpError(known), known);
  });
});
