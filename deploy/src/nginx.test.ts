// nginx/: the repo's config rendered as the nginx image renders it (templates + the compose
// file's nginx environment) with a throwaway certificate, checked by `nginx -t`, then run for
// real on unprivileged ports: against a scripted upstream (redirect, headers, request ids,
// keep-alive, body limit, rate limit, SSE not buffered while other routes are), and in front of
// the real gateway and auth service started as their containers start them (register and log
// in over HTTPS through nginx).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import https from "node:https";
import { before, test } from "node:test";
import { environmentOf, generateEnvFile, loadCompose } from "./lib/compose.js";
import { startMesh, type Mesh } from "./lib/mesh.js";
import {
  httpGet,
  httpsRequest,
  httpsStream,
  nginxAvailable,
  nginxTest,
  prepareNginx,
  startNginx,
  type NginxSetup,
} from "./lib/nginx.js";
import { loadPart, partByName, readText } from "./lib/parts.js";
import type { Proc } from "./lib/proc.js";

const skipWithout = (t: { skip(m: string): void; diagnostic(m: string): void }): boolean => {
  if (nginxAvailable()) return false;
  t.diagnostic("SKIPPED: nginx is not installed (bash scripts/ci-tools.sh installs it)");
  t.skip("nginx not installed");
  return true;
};

let composeNginxEnv: Record<string, string>;
before(() => {
  composeNginxEnv = environmentOf(loadCompose(generateEnvFile()).doc.services.nginx!);
});

test("the config in nginx/ passes nginx -t once rendered with the compose environment", async (t) => {
  if (skipWithout(t)) return;
  const setup = await prepareNginx({ ...composeNginxEnv, NGINX_GATEWAY_UPSTREAM: "127.0.0.1:9" });
  const conf = readText("nginx/templates/default.conf.template");
  const rendered = readFileSync(`${setup.dir}/conf.d/default.conf`, "utf8");
  assert.doesNotMatch(rendered, /\$\{[A-Z_]+\}/, "every template variable is set");
  assert.ok(conf.includes("ssl_certificate ${NGINX_TLS_CERT};"), "certificate path from the environment");
  const r = nginxTest(setup);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /syntax is ok/);
});

test("the config states the edge rules (body limit = the gateway's archive limit, rate limit, keep-alive, SSE)", async () => {
  const conf = readText("nginx/templates/default.conf.template");
  const gateway = await loadPart(partByName("gateway"));
  const limit = gateway.ok ? Number(gateway.part.defaults.get("ARCHIVE_BODY_LIMIT_BYTES")) : 50 * 1024 * 1024;
  const body = gateway.ok ? Number(gateway.part.defaults.get("BODY_LIMIT_BYTES")) : 0;
  const m = /client_max_body_size (\d+)([km]?);/.exec(conf);
  assert.ok(m, "client_max_body_size");
  const bytes = Number(m[1]) * ({ k: 1024, m: 1024 * 1024 }[m[2] as "k" | "m"] ?? 1);
  assert.equal(bytes, limit, "client_max_body_size equals the gateway's ARCHIVE_BODY_LIMIT_BYTES");
  assert.ok(bytes >= body, "and covers its JSON body limit");
  assert.match(conf, /limit_req_zone \$binary_remote_addr zone=\w+:\d+m rate=/);
  assert.match(conf, /limit_req zone=\w+ burst=/);
  assert.match(conf, /upstream crm_gateway \{.*?keepalive \d+;.*?\n\}/s);
  assert.match(conf, /proxy_http_version 1\.1;/);
  assert.match(conf, /proxy_set_header Connection "";/);
  assert.match(conf, /Strict-Transport-Security "max-age=\d+; includeSubDomains" always/);
  for (const route of ["location ~ ^/api/v1/analyses/[^/]+/events$", "location = /api/v1/ai/chat/completions"]) {
    const block = conf.slice(conf.indexOf(route), conf.indexOf("}", conf.indexOf(route)));
    assert.ok(block.includes("proxy_buffering off;"), `${route}: proxy_buffering off`);
  }
});

/** A scripted upstream in place of the gateway: echoes what it received, streams, counts sockets. */
function scriptedUpstream() {
  const sockets = new Set<string>();
  const server = http.createServer((req, res) => {
    sockets.add(`${req.socket.remotePort}`);
    if (
      req.url!.endsWith("/events") ||
      req.url === "/api/v1/ai/chat/completions" ||
      req.url === "/api/v1/slow-stream"
    ) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write("data: first\n\n");
      setTimeout(() => res.end("data: last\n\n"), 1500);
      return;
    }
    let size = 0;
    req.on("data", (c: Buffer) => (size += c.length));
    req.on("end", () => {
      res.writeHead(200, {
        "content-type": "application/json",
        "x-request-id": String(req.headers["x-request-id"] ?? ""),
      });
      res.end(JSON.stringify({ url: req.url, headers: req.headers, size }));
    });
  });
  return { server, sockets };
}

test("nginx in front of a scripted upstream: redirect, TLS, headers, request ids, keep-alive, limits, SSE", async (t) => {
  if (skipWithout(t)) return;
  const { server, sockets } = scriptedUpstream();
  server.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const upstream = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(() => server.close());
  const setup = await prepareNginx({ ...composeNginxEnv, NGINX_GATEWAY_UPSTREAM: upstream });
  const nginx = await startNginx(setup);
  t.after(() => nginx.stop("SIGQUIT"));

  await t.test("HTTP redirects to HTTPS, keeping path and query", async () => {
    const r = await httpGet(setup.httpPort, "/api/v1/projects?limit=5");
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, `https://localhost:${setup.httpsPort}/api/v1/projects?limit=5`);
  });

  await t.test("HTTPS proxies with security headers and forwarding headers", async () => {
    const r = await httpsRequest(setup, "GET", "/api/v1/projects");
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.body) as { headers: Record<string, string> };
    assert.equal(seen.headers["x-forwarded-proto"], "https");
    assert.equal(seen.headers["x-forwarded-for"], "127.0.0.1");
    assert.equal(seen.headers["x-real-ip"], "127.0.0.1");
    assert.match(r.headers["strict-transport-security"] ?? "", /max-age=\d+; includeSubDomains/);
    assert.equal(r.headers["x-content-type-options"], "nosniff");
    assert.equal(r.headers["x-frame-options"], "DENY");
    assert.equal(r.headers["referrer-policy"], "no-referrer");
    assert.match(String(r.headers["content-security-policy"]), /frame-ancestors 'none'/);
    assert.equal(r.headers.server, "nginx", "no version in Server");
  });

  await t.test("x-request-id: a well-formed one passes through, a missing or malformed one is set", async () => {
    const given = await httpsRequest(setup, "GET", "/x", { headers: { "x-request-id": "req-abc.123" } });
    assert.equal(
      (JSON.parse(given.body) as { headers: Record<string, string> }).headers["x-request-id"],
      "req-abc.123",
    );
    const minted = await httpsRequest(setup, "GET", "/x");
    assert.match(
      (JSON.parse(minted.body) as { headers: Record<string, string> }).headers["x-request-id"]!,
      /^[0-9a-f]{32}$/,
    );
    const bad = await httpsRequest(setup, "GET", "/x", { headers: { "x-request-id": "<script>" } });
    assert.match(
      (JSON.parse(bad.body) as { headers: Record<string, string> }).headers["x-request-id"]!,
      /^[0-9a-f]{32}$/,
    );
  });

  await t.test("keeps connections to the upstream alive", async () => {
    sockets.clear();
    for (let i = 0; i < 10; i++) await httpsRequest(setup, "GET", `/k/${i}`);
    assert.ok(sockets.size < 10, `10 requests over ${sockets.size} upstream connection(s)`);
  });

  await t.test("a body over the gateway's archive limit is refused at the edge (413)", async () => {
    const r = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        {
          host: "127.0.0.1",
          port: setup.httpsPort,
          servername: "localhost",
          ca: readFileSync(setup.cert),
          method: "POST",
          path: "/api/v1/projects/p1/archive",
          headers: {
            host: "localhost",
            "content-type": "application/gzip",
            "content-length": String(50 * 1024 * 1024 + 1),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on("error", reject);
      req.write(Buffer.alloc(1024));
    });
    assert.equal(r, 413);
  });

  await t.test("SSE routes stream unbuffered; other routes stay buffered", async () => {
    // The upstream writes one event, waits 1.5 s, writes the last one and ends. Unbuffered, the
    // first event arrives about 1.5 s before the end; buffered, both arrive together at the end.
    const early = (r: { chunks: { at: number }[]; endedAt: number }) => r.endedAt - r.chunks[0]!.at;
    const events = await httpsStream(setup, "GET", "/api/v1/analyses/abc123/events");
    assert.equal(events.status, 200);
    assert.match(events.chunks[0]!.text, /data: first/);
    assert.ok(early(events) >= 1000, `first event ${Math.round(early(events))} ms before the stream ended`);
    const chat = await httpsStream(setup, "POST", "/api/v1/ai/chat/completions", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "x", stream: true, messages: [] }),
    });
    assert.ok(early(chat) >= 1000, `first chat chunk ${Math.round(early(chat))} ms before the end`);
    const control = await httpsStream(setup, "GET", "/api/v1/slow-stream");
    t.diagnostic(
      `buffered route: first byte at ${Math.round(control.chunks[0]!.at)} ms, end at ${Math.round(control.endedAt)} ms`,
    );
    assert.ok(early(control) < 500, "a non-SSE route is buffered (so the SSE result above means something)");
  });
});

test("limit_req answers 429 per client IP above rate + burst", async (t) => {
  if (skipWithout(t)) return;
  const { server } = scriptedUpstream();
  server.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const setup = await prepareNginx({
    ...composeNginxEnv,
    NGINX_GATEWAY_UPSTREAM: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    NGINX_RATE_LIMIT: "1r/s",
    NGINX_RATE_BURST: "2",
  });
  let nginx: Proc | undefined;
  try {
    nginx = await startNginx(setup);
    const statuses = await Promise.all(
      Array.from({ length: 8 }, () => httpsRequest(setup, "GET", "/r").then((r) => r.status)),
    );
    assert.ok(statuses.includes(429), `some requests limited: ${statuses.join(",")}`);
    assert.ok(statuses.filter((s) => s === 200).length >= 1);
  } finally {
    await nginx?.stop("SIGQUIT");
    server.close();
  }
});

test("nginx in front of the real gateway and auth (separate processes): register and log in over HTTPS", async (t) => {
  if (skipWithout(t)) return;
  for (const name of ["gateway", "auth"]) {
    const loaded = await loadPart(partByName(name));
    if (!loaded.ok) {
      t.diagnostic(`SKIPPED: ${loaded.reason}`);
      t.skip(loaded.reason);
      return;
    }
  }
  let mesh: Mesh | undefined;
  let nginx: Proc | undefined;
  let setup: NginxSetup;
  try {
    mesh = await startMesh(["auth", "gateway"]);
    setup = await prepareNginx(mesh.nginxVars);
    assert.equal(nginxTest(setup).status, 0);
    nginx = await startNginx(setup);
    const email = `deploy-${Date.now()}@example.com`;
    const password = "Correct-Horse-Battery-Staple-42";
    const reg = await httpsRequest(setup, "POST", "/api/v1/auth/register", {
      headers: { "content-type": "application/json", "x-request-id": "deploy-nginx-1" },
      body: JSON.stringify({ email, password, name: "Deploy Test" }),
    });
    assert.equal(reg.status, 201, reg.body);
    assert.equal(
      reg.headers["x-request-id"],
      "deploy-nginx-1",
      "the client's request id comes back through nginx and the gateway",
    );
    assert.ok(reg.headers["strict-transport-security"], "HSTS on proxied responses");
    const login = await httpsRequest(setup, "POST", "/api/v1/auth/login", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    assert.equal(login.status, 200, login.body);
    const { accessToken } = JSON.parse(login.body) as { accessToken: string };
    const me = await httpsRequest(setup, "GET", "/api/v1/auth/me", {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    assert.equal(me.status, 200, me.body);
    assert.equal((JSON.parse(me.body) as { email: string }).email, email);
    assert.match(String(me.headers["x-request-id"]), /^[0-9a-f]{32}$/, "nginx set a request id the gateway kept");
    const redirect = await httpGet(setup.httpPort, "/api/v1/auth/me");
    assert.equal(redirect.status, 308);
  } finally {
    await nginx?.stop("SIGQUIT");
    if (mesh) {
      const exits = await mesh.stop();
      for (const [name, exit] of exits) assert.deepEqual(exit, { code: 0, signal: null }, `${name} exits 0 on SIGTERM`);
      for (const [name, p] of mesh.procs) assert.deepEqual(p.errors(), [], `${name}: no error logs`);
    }
  }
});
