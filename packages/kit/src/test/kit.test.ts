import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { loadConfig, ConfigError, commonConfig, env } from "../config.js";
import { signIdentity, verifyIdentity, IDENTITY_HEADER } from "../identity.js";
import { createLogger } from "../logger.js";
import { startPart, type RunningPart } from "../part.js";
import { echoPart } from "./echo-part.js";

const MESH_SECRET = randomBytes(32).toString("hex");
const baseEnv = { MESH_SECRET, LOG_LEVEL: "silent" };
const identity = signIdentity(MESH_SECRET, { sub: "user-1", role: "member", via: "token" });

async function call(part: RunningPart, path: string, init: RequestInit = {}) {
  const res = await fetch(`http://127.0.0.1:${part.httpPort}${path}`, {
    ...init,
    headers: { "content-type": "application/json", [IDENTITY_HEADER]: identity, ...(init.headers ?? {}) },
  });
  const text = await res.text();
  return { res, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe("service kit over real HTTP and gRPC", () => {
  let server: RunningPart;
  let caller: RunningPart;

  before(async () => {
    server = await startPart(echoPart, { env: baseEnv });
    caller = await startPart(echoPart, { env: { ...baseEnv, ECHO_PEER_ADDR: `127.0.0.1:${server.grpcPort}` } });
  });
  after(async () => {
    await caller.stop();
    await server.stop();
  });

  it("serves health, startup, readiness with components, and Prometheus metrics", async () => {
    const health = await fetch(`http://127.0.0.1:${caller.httpPort}/health`);
    assert.equal(health.status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${caller.httpPort}/health/startup`)).status, 200);
    const ready = (await (await fetch(`http://127.0.0.1:${caller.httpPort}/ready`)).json()) as {
      components: { name: string; status: string; latencyMs: number }[];
    };
    assert.equal(ready.components[0]?.name, "always");
    assert.equal(ready.components[0]?.status, "up");
    assert.equal(typeof ready.components[0]?.latencyMs, "number");
    await call(caller, "/api/echo", { method: "POST", body: JSON.stringify({ message: "m" }) });
    const metrics = await (await fetch(`http://127.0.0.1:${caller.httpPort}/metrics`)).text();
    assert.match(metrics, /http_request_duration_seconds_bucket\{.*route="\/api\/echo".*status="200"/);
    assert.match(metrics, /circuit_breaker_state\{breaker="echo-peer.default"/);
    assert.match(metrics, /process_cpu_user_seconds_total/);
  });

  it("when a request has no mesh identity, then it is refused with 401 problem+json", async () => {
    const res = await fetch(`http://127.0.0.1:${caller.httpPort}/api/echo`, { method: "POST", body: "{}" });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("content-type"), "application/problem+json; charset=utf-8");
    const problem = (await res.json()) as Record<string, unknown>;
    assert.equal(problem.status, 401);
    assert.equal(problem.requestId, res.headers.get("x-request-id"));
  });

  it("when the identity header is forged or signed with another secret, then 401", async () => {
    const forged = signIdentity("x".repeat(40), { sub: "admin", role: "admin", via: "token" });
    const { res } = await call(caller, "/api/echo", {
      method: "POST",
      body: "{}",
      headers: { [IDENTITY_HEADER]: forged },
    });
    assert.equal(res.status, 401);
  });

  it("propagates the request id and caller through gRPC, with the caller's deadline", async () => {
    const { res, body } = await call(caller, "/api/echo", {
      method: "POST",
      body: JSON.stringify({ message: "hi" }),
      headers: { "x-request-id": "req-abc-123" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-request-id"), "req-abc-123");
    assert.equal(body.requestId, "req-abc-123");
    assert.equal(body.caller, "user-1");
    assert.ok(
      Number(body.deadlineLeftMs) > 0 && Number(body.deadlineLeftMs) <= 1000,
      `deadline left ${body.deadlineLeftMs}`,
    );
  });

  it("mints a request id when the given one is unusable", async () => {
    const { res } = await call(caller, "/api/echo", {
      method: "POST",
      body: "{}",
      headers: { "x-request-id": "bad id with spaces" },
    });
    assert.match(res.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  });

  it("streams server-streaming calls", async () => {
    const { body } = await call(caller, "/api/count");
    assert.deepEqual(body.items, ["1", "2", "3"]);
  });

  it("answers invalid input with 400 listing each field", async () => {
    const { res, body } = await call(caller, "/api/echo", {
      method: "POST",
      body: JSON.stringify({ message: 5, delayMs: "x" }),
    });
    assert.equal(res.status, 400);
    const errors = body.errors as { path: string; message: string }[];
    assert.deepEqual(errors.map((e) => e.path).sort(), ["body.delayMs", "body.message"]);
  });

  it("answers malformed JSON and oversized bodies with 400 and 413 problems", async () => {
    const bad = await call(caller, "/api/echo", { method: "POST", body: "{nope" });
    assert.equal(bad.res.status, 400);
    const big = await call(caller, "/api/echo", {
      method: "POST",
      body: JSON.stringify({ message: "x".repeat(2_000_000) }),
    });
    assert.equal(big.res.status, 413);
    assert.equal(big.body.status, 413);
  });

  it("refuses NUL characters and absurd nesting in JSON bodies with 400 naming the field", async () => {
    const nul = await call(caller, "/api/echo", { method: "POST", body: JSON.stringify({ message: "a\u0000b" }) });
    assert.equal(nul.res.status, 400);
    assert.deepEqual(
      (nul.body.errors as { path: string }[]).map((e) => e.path),
      ["body.message"],
    );
    const deep = await call(caller, "/api/echo", { method: "POST", body: `${"[".repeat(100)}${"]".repeat(100)}` });
    assert.equal(deep.res.status, 400);
  });

  it("keeps a peer's problem status and detail across gRPC", async () => {
    const { res, body } = await call(caller, "/api/echo", {
      method: "POST",
      body: JSON.stringify({ failWithStatus: 409 }),
    });
    assert.equal(res.status, 409);
    assert.equal(body.detail, "failing with 409");
  });

  it("keeps the detail of a peer's own 503 instead of calling the peer unreachable", async () => {
    const { res, body } = await call(caller, "/api/echo", {
      method: "POST",
      body: JSON.stringify({ failWithStatus: 503 }),
    });
    assert.equal(res.status, 503);
    assert.equal(body.detail, "failing with 503");
  });

  it("cuts a slow peer at the deadline with 504", async () => {
    const started = Date.now();
    const { res } = await call(caller, "/api/echo", { method: "POST", body: JSON.stringify({ delayMs: 1500 }) });
    assert.equal(res.status, 504);
    assert.ok(Date.now() - started < 1400);
  });

  it("unknown routes are 404 problem+json", async () => {
    const { res, body } = await call(caller, "/api/nope");
    assert.equal(res.status, 404);
    assert.equal(body.title, "Not Found");
  });
});

describe("circuit breaker on a gRPC peer", () => {
  it("when the peer dies, calls fail fast with 503 naming it; when it returns, calls recover by themselves", async () => {
    let peer = await startPart(echoPart, { env: baseEnv });
    const port = peer.grpcPort!;
    const caller = await startPart(echoPart, { env: { ...baseEnv, ECHO_PEER_ADDR: `127.0.0.1:${port}` } });
    try {
      assert.equal((await call(caller, "/api/echo", { method: "POST", body: "{}" })).res.status, 200);
      await peer.stop();
      let last: { res: Response; body: Record<string, unknown> } | undefined;
      for (let i = 0; i < 6; i++) last = await call(caller, "/api/echo", { method: "POST", body: "{}" });
      assert.equal(last!.res.status, 503);
      assert.equal(last!.body.dependency, "echo-peer");
      const started = performance.now();
      const open = await call(caller, "/api/echo", { method: "POST", body: "{}" });
      const elapsed = performance.now() - started;
      assert.equal(open.res.status, 503);
      assert.match(String(open.body.detail), /circuit open/);
      assert.ok(elapsed < 50, `open breaker answered in ${elapsed} ms`);
      const metrics = await (await fetch(`http://127.0.0.1:${caller.httpPort}/metrics`)).text();
      assert.match(metrics, /circuit_breaker_state\{breaker="echo-peer.default",service="echo"\} 2/);

      peer = await startPart(echoPart, { env: { ...baseEnv, ECHO_GRPC_PORT: String(port) } });
      let recovered = false;
      for (let i = 0; i < 50 && !recovered; i++) {
        await new Promise((r) => setTimeout(r, 100));
        recovered = (await call(caller, "/api/echo", { method: "POST", body: "{}" })).res.status === 200;
      }
      assert.ok(recovered, "calls recover after the peer restarts");
    } finally {
      await caller.stop();
      await peer.stop();
    }
  });
});

describe("graceful shutdown", () => {
  it("when stopped with a request in flight, then the request finishes, readiness turns 503 and new connections are refused", async () => {
    const part = await startPart(echoPart, { env: { ...baseEnv, SHUTDOWN_DELAY_MS: "100" } });
    const inflight = call(part, "/api/slow?ms=400");
    await new Promise((r) => setTimeout(r, 50));
    const stopping = part.stop();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(part.lifecycle.shuttingDown, true);
    const ready = await fetch(`http://127.0.0.1:${part.httpPort}/ready`).catch(() => undefined);
    if (ready) assert.equal(ready.status, 503);
    const { res, body } = await inflight;
    assert.equal(res.status, 200);
    assert.equal(body.done, true);
    await stopping;
    await assert.rejects(fetch(`http://127.0.0.1:${part.httpPort}/health`));
  });
});

describe("config", () => {
  it("reports every missing or bad variable at once, naming each", () => {
    const shape = { ...commonConfig, PORT: env.port(1, "port"), PEER: env.grpcAddress("peer address") };
    assert.throws(
      () => loadConfig("demo", shape, { MESH_SECRET: "short", PORT: "99999" }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.message;
        for (const key of ["MESH_SECRET", "PORT", "PEER: is required (peer address)"])
          assert.ok(text.includes(key), text);
        return true;
      },
    );
  });
});

describe("identity assertions", () => {
  it("verifies its own signature, rejects tampering and expiry", () => {
    const token = signIdentity(MESH_SECRET, { sub: "u", role: "member", via: "token" });
    assert.equal(verifyIdentity(MESH_SECRET, token)?.sub, "u");
    const [payload, sig] = token.split(".");
    const tampered = Buffer.from(JSON.stringify({ sub: "u", role: "admin", via: "token", exp: 9e9 })).toString(
      "base64url",
    );
    assert.equal(verifyIdentity(MESH_SECRET, `${tampered}.${sig}`), undefined);
    assert.equal(verifyIdentity(MESH_SECRET, `${payload}.`), undefined);
    assert.equal(
      verifyIdentity(MESH_SECRET, signIdentity(MESH_SECRET, { sub: "u", role: "member", via: "token" }, -10)),
      undefined,
    );
  });
});

describe("logger", () => {
  it("redacts passwords, tokens, keys and auth headers and stamps the request id", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = createLogger({ name: "t", destination });
    logger.info(
      {
        password: "hunter2",
        user: { refreshToken: "rt-secret" },
        req: { headers: { authorization: "Bearer abc" } },
        apiKey: "crm_x",
      },
      "x",
    );
    await new Promise((r) => setImmediate(r));
    const text = lines.join("");
    for (const secret of ["hunter2", "rt-secret", "Bearer abc", "crm_x"]) assert.ok(!text.includes(secret), text);
    assert.match(text, /\[redacted\]/);
  });

  it("logs errors compactly: type, message, code and stack, never the driver's client object", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const err = Object.assign(new Error("terminating connection"), {
      code: "57P01",
      client: { password: "pg-secret", big: "x".repeat(10_000) },
    });
    createLogger({ name: "t", destination }).error({ err }, "queue error");
    await new Promise((r) => setImmediate(r));
    const line = JSON.parse(lines.join("")) as { err: Record<string, unknown> };
    assert.equal(line.err.code, "57P01");
    assert.equal(line.err.message, "terminating connection");
    assert.ok(!lines.join("").includes("pg-secret"));
    assert.ok(lines.join("").length < 5000);
  });
});
