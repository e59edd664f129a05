import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { z } from "zod";
import { pageQuery } from "./validate.js";
import {
  errorResponses,
  ok,
  op,
  openApiDoc,
  pageParams,
  pathParam,
  problemSchema,
  routePaths,
  SECURITY,
  type OpenApiObject,
} from "./openapi.js";

const thing = z.object({ id: z.string(), name: z.string().min(1), tags: z.array(z.string()).default([]) });
const createThing = thing.omit({ id: true });

type Operation = {
  operationId?: string;
  description?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema: OpenApiObject }[];
  requestBody?: { required: boolean; content: Record<string, { schema: { required?: string[]; $schema?: string } }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: OpenApiObject }> }>;
};
const opAt = (paths: OpenApiObject, path: string, method: string) =>
  (paths[path] as Record<string, Operation> | undefined)?.[method];

async function assertValid(doc: OpenApiObject) {
  const result = await new Validator().validate(
    JSON.parse(JSON.stringify(doc)) as Parameters<Validator["validate"]>[0],
  );
  assert.equal(result.valid, true, JSON.stringify(result.errors));
}

describe("OpenAPI builder", () => {
  describe("given a list of routes", () => {
    const paths = routePaths([
      {
        method: "post",
        path: "/api/v1/things",
        tag: "things",
        summary: "Create a thing",
        body: createThing,
        ok: { 201: { description: "The thing", schema: thing } },
        errors: [400, 409],
      },
      {
        method: "get",
        path: "/api/v1/things",
        tag: "things",
        summary: "List things",
        query: pageQuery,
        ok: { 200: { description: "A page", schema: z.object({ items: z.array(thing) }) } },
        errors: [400],
      },
      {
        method: "delete",
        path: "/api/v1/things/:id",
        tag: "things",
        summary: "Delete a thing",
        access: "admin",
        params: z.object({ id: z.uuid() }),
        ok: { 204: { description: "Deleted" } },
        errors: ["default"],
      },
      {
        method: "put",
        path: "/api/v1/things/{id}/blob/{name}",
        tag: "things",
        summary: "Upload a blob",
        body: z.string(),
        bodyType: "application/gzip",
        ok: { 200: { description: "The blob", schema: z.string(), type: "text/plain" } },
        errors: [413, 415],
      },
    ]);

    it("then the document is valid OpenAPI 3.1", async () => {
      await assertValid(openApiDoc({ title: "things", paths }));
    });

    it("then bodies, path and query parameters come from the zod schemas", () => {
      const create = opAt(paths, "/api/v1/things", "post")!;
      const body = create.requestBody!.content["application/json"]!.schema;
      assert.deepEqual(body.required?.sort(), ["name"], "input side: a defaulted field is not required");
      assert.equal(body.$schema, undefined);
      assert.deepEqual(create.responses["201"]!.content!["application/json"]!.schema.required, ["id", "name", "tags"]);
      const list = opAt(paths, "/api/v1/things", "get")!;
      assert.deepEqual(
        list.parameters!.map((p) => [p.name, p.in, p.required]),
        [
          ["limit", "query", false],
          ["cursor", "query", false],
        ],
      );
      const del = opAt(paths, "/api/v1/things/{id}", "delete")!;
      assert.deepEqual(del.parameters![0]!.schema.format, "uuid", "Express :id becomes {id}, schema from params");
      assert.equal(del.description, "Access: admin.");
      const blob = opAt(paths, "/api/v1/things/{id}/blob/{name}", "put")!;
      assert.deepEqual(
        blob.parameters!.map((p) => [p.name, p.in, p.required, p.schema.type]),
        [
          ["id", "path", true, "string"],
          ["name", "path", true, "string"],
        ],
      );
      assert.ok(blob.requestBody!.content["application/gzip"]);
      assert.ok(blob.responses["200"]!.content!["text/plain"]);
    });

    it("then every route answers 401 and its errors as problem+json, with a unique operationId", () => {
      const ids = new Set<string>();
      for (const [path, item] of Object.entries(paths))
        for (const [method, o] of Object.entries(item as Record<string, Operation>)) {
          assert.ok(o.responses["401"], `${method} ${path}`);
          assert.deepEqual(o.responses["401"]!.content!["application/problem+json"]!.schema, problemSchema);
          ids.add(o.operationId!);
        }
      assert.equal(ids.size, 4);
      assert.equal(opAt(paths, "/api/v1/things/{id}", "delete")!.operationId, "deleteApiV1ThingsById");
      assert.ok(opAt(paths, "/api/v1/things/{id}", "delete")!.responses.default);
      assert.deepEqual(Object.keys(opAt(paths, "/api/v1/things", "post")!.responses), ["201", "400", "401", "409"]);
    });
  });

  describe("given paths written out with op", () => {
    const paths = {
      "/api/v1/things/{id}": {
        get: op({
          tags: ["things"],
          operationId: "getThing",
          summary: "One thing",
          security: SECURITY.signedIn,
          parameters: [pathParam("id", "Thing id"), ...pageParams],
          responses: { "200": ok("The thing", thing), ...errorResponses(401, 404) },
        }),
        put: op({
          tags: ["things"],
          summary: "Replace a thing",
          security: SECURITY.public,
          body: createThing,
          responses: { "204": ok("Replaced"), ...errorResponses(400) },
        }),
      },
    };

    it("then the document is valid OpenAPI 3.1 and declares the security schemes it names", async () => {
      const doc = openApiDoc({ title: "things", paths });
      await assertValid(doc);
      const schemes = (doc.components as { securitySchemes: Record<string, unknown> }).securitySchemes;
      for (const requirement of SECURITY.signedIn)
        for (const name of Object.keys(requirement)) assert.ok(schemes[name]);
    });

    it("then each operation has what it was given and nothing else", () => {
      const get = opAt(paths, "/api/v1/things/{id}", "get")!;
      assert.deepEqual(get.security, [{ bearerAuth: [] }, { apiKey: [] }]);
      assert.deepEqual(
        get.parameters!.map((p) => p.name),
        ["id", "limit", "cursor"],
      );
      assert.equal(get.requestBody, undefined);
      const put = opAt(paths, "/api/v1/things/{id}", "put")!;
      assert.deepEqual(put.security, []);
      assert.equal(put.operationId, undefined);
      assert.equal(put.parameters, undefined);
      assert.deepEqual(put.responses["204"], { description: "Replaced" });
      assert.equal(put.responses["400"]!.description, "Invalid request");
    });

    it("then the paging parameters match the kit's pageQuery", () => {
      const fromZod = routePaths([
        { method: "get", path: "/x", tag: "x", summary: "x", query: pageQuery, ok: {}, errors: [] },
      ]);
      const names = opAt(fromZod, "/x", "get")!.parameters!.map((p) => p.name);
      assert.deepEqual(
        names,
        pageParams.map((p) => p.name),
      );
    });
  });
});
