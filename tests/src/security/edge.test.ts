import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { api, newUser, startMesh, type Mesh } from "../mesh.js";
import { concretePath, idsFor, operations, type Operation } from "../openapi.js";

/**
 * The public edge under attack: every route in the OpenAPI document without credentials and
 * with forged tokens, fuzzed JSON bodies, headers, CORS, and secrets in logs.
 */
describe("security: the edge", () => {
  let mesh: Mesh;
  let ops: Operation[];
  let member: Awaited<ReturnType<typeof newUser>>;
  const ownIds: Record<string, Record<string, string>> = {};

  before(async () => {
    mesh = await startMesh({
      env: { RATE_LIMIT_USER: "1000000", RATE_LIMIT_ANONYMOUS: "1000000", CORS_ORIGINS: "https://app.example.com" },
    });
    const doc = await api(mesh.url, "GET", "/api/openapi.json");
    assert.equal(doc.status, 200);
    ops = operations(doc.body as never);
    member = await newUser(mesh.url);
    // Fuzz the member's own resources too, so bodies reach validation and storage, not just 404s.
    const project = await api(mesh.url, "POST", "/api/v1/projects", {
      token: member.accessToken,
      body: { name: "fuzz" },
    });
    const experiment = await api(mesh.url, "POST", "/api/v1/experiments", {
      token: member.accessToken,
      body: { name: "fuzz", projectId: project.body.id },
    });
    ownIds["/api/v1/projects/{id}"] = { id: String(project.body.id) };
    ownIds["/api/v1/experiments/{id}"] = { id: String(experiment.body.id), label: "staging" };
  });
  after(async () => mesh?.stop());

  it("every protected route refuses anonymous callers with 401 problem+json", async () => {
    const protectedOps = ops.filter((o) => !o.public);
    assert.ok(protectedOps.length >= 5, `only ${protectedOps.length} protected operations documented`);
    for (const op of protectedOps) {
      const res = await api(
        mesh.url,
        op.method,
        concretePath(op.path),
        op.method === "GET" || op.method === "DELETE" ? {} : { body: {} },
      );
      assert.equal(res.status, 401, `${op.method} ${op.path} → ${res.status}`);
      assert.equal(
        res.headers.get("content-type")?.split(";")[0],
        "application/problem+json",
        `${op.method} ${op.path}`,
      );
    }
  });

  it("every forged token kind is refused with 401 on every protected route", async () => {
    const [h, p] = member.accessToken.split(".") as [string, string, string];
    const header = JSON.parse(Buffer.from(h, "base64url").toString()) as { kid: string; alg: string };
    const payload = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const jwks = (await api(mesh.url, "GET", "/.well-known/jwks.json")).body as { keys: Record<string, string>[] };
    const publicJwk = JSON.stringify(jwks.keys[0]);
    const other = generateKeyPairSync("ed25519");
    const adminPayload = enc({ ...payload, role: "admin" });
    const forged: Record<string, string> = {
      "alg none": `${enc({ alg: "none", typ: "JWT" })}.${enc({ ...payload, role: "admin" })}.`,
      "HS256 with the public key": (() => {
        const head = enc({ alg: "HS256", typ: "JWT", kid: header.kid });
        const sig = createHmac("sha256", publicJwk).update(`${head}.${adminPayload}`).digest("base64url");
        return `${head}.${adminPayload}.${sig}`;
      })(),
      "tampered payload": `${h}.${adminPayload}.${member.accessToken.split(".")[2]}`,
      "tampered signature": `${h}.${p}.${"A".repeat(86)}`,
      "foreign key, same kid": (() => {
        const sig = sign(null, Buffer.from(`${h}.${p}`), other.privateKey).toString("base64url");
        return `${h}.${p}.${sig}`;
      })(),
      "unknown kid": `${enc({ ...header, kid: "nope" })}.${p}.${member.accessToken.split(".")[2]}`,
      garbage: "not-a-token",
    };
    const sample = ops.filter((o) => !o.public).slice(0, 12);
    for (const [kind, token] of Object.entries(forged)) {
      for (const op of sample) {
        const res = await api(mesh.url, op.method, concretePath(op.path), {
          token,
          ...(op.method === "GET" ? {} : { body: {} }),
        });
        assert.equal(res.status, 401, `${kind}: ${op.method} ${op.path} → ${res.status}`);
      }
    }
  });

  it("fuzzed JSON bodies never cause a 5xx or a crash", async () => {
    const targets = ops.filter((o) => o.requestSchema && (o.contentType ?? "application/json") === "application/json");
    const nasty = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.dictionary(
        fc.constantFrom(
          "__proto__",
          "constructor",
          "prototype",
          "name",
          "email",
          "path",
          "content",
          "config",
          "version",
        ),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      fc.string({ unit: "grapheme", maxLength: 200 }).map((s) => ({ name: s, email: s, path: s, content: s })),
      fc.constant({ name: "x".repeat(200_000) }),
      fc.constant(JSON.parse(`${"[".repeat(500)}${"]".repeat(500)}`)),
      fc.constant({ name: "\u0000\ud800", path: "../../etc/passwd", email: "a@b.c\r\nx: y" }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), nasty, async (op, value) => {
        const res = await api(mesh.url, op.method, concretePath(op.path, idsFor(op.path, ownIds)), {
          token: member.accessToken,
          body: JSON.stringify(value),
        });
        return res.status < 500;
      }),
      { numRuns: Math.max(200, targets.length * 15), seed: 4242 },
    );
    for (const [name, proc] of mesh.procs) assert.equal(proc.child.exitCode, null, `${name} still running`);
    const prototype = (Object.prototype as Record<string, unknown>).polluted;
    assert.equal(prototype, undefined);
  });

  it("sends security headers, hides x-powered-by, and refuses unknown CORS origins", async () => {
    const res = await fetch(`${mesh.url}/api/v1/auth/me`, { headers: { origin: "https://evil.example" } });
    assert.equal(res.headers.get("x-powered-by"), null);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    const ok = await fetch(`${mesh.url}/api/v1/auth/me`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "GET" },
    });
    assert.equal(ok.headers.get("access-control-allow-origin"), "https://app.example.com");
  });

  it("no password, token, refresh token or key appears in any log line of the run", async () => {
    const keyRes = await api(mesh.url, "POST", "/api/v1/auth/api-keys", {
      token: member.accessToken,
      body: { name: "scan" },
    });
    await api(mesh.url, "GET", "/api/v1/auth/me", { token: String(keyRes.body.key) });
    await new Promise((r) => setTimeout(r, 300));
    const logs = mesh.logs().join("\n");
    for (const secret of [
      member.password,
      member.accessToken,
      member.refreshToken,
      String(keyRes.body.key),
      mesh.env.MESH_SECRET!,
    ]) {
      assert.ok(!logs.includes(secret), `a secret leaked into the logs: ${secret.slice(0, 6)}…`);
    }
  });
});
