// docker-compose.services.yml, resolved by a real compose implementation (Debian's
// docker-compose: anchors, merges, ${VAR} substitution from an env file made like a user's
// .env) and checked against the code: the environment of every service is validated with the
// part's own config schema read from its built module (a new required variable without a
// compose entry fails here), ports and peer addresses agree with the parts' port keys, every
// service is health-checked, limited and started only after what it needs is healthy.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import { parse } from "yaml";
import { loadConfig } from "@crm/kit";
import {
  COMPOSE_FILE,
  composeAvailable,
  dependsOn,
  environmentOf,
  generateEnvFile,
  loadCompose,
  parseEnvFile,
  type ComposeDoc,
  type ComposeService,
} from "./lib/compose.js";
import {
  dockerfileOf,
  isSecretKey,
  loadParts,
  MIGRATE,
  PARTS,
  peersOf,
  readText,
  repoPath,
  repoRoot,
  usesDatabase,
  usesRedis,
  type LoadedPart,
} from "./lib/parts.js";
import { run } from "./lib/proc.js";

let doc: ComposeDoc;
let via: string;
let parts: LoadedPart[];
let missing: { info: { name: string }; reason: string }[];
let envFile: string;

/** Keys every container may carry that no config schema lists (read by the kit or the image). */
const INFRA_KEYS = new Set(["BIND_HOST", "NODE_ENV", "PROTO_DIR"]);

before(async () => {
  envFile = generateEnvFile();
  ({ doc, via } = loadCompose(envFile));
  ({ loaded: parts, missing } = await loadParts());
});

const service = (name: string): ComposeService => {
  const s = doc.services[name];
  assert.ok(s, `compose service ${name} exists`);
  return s;
};

const seconds = (v: string | number | undefined): number => {
  if (typeof v === "number") return v;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(v ?? ""));
  assert.ok(m, `duration ${v}`);
  const n = Number(m[1]);
  return m[2] === "ms" ? n / 1000 : m[2] === "m" ? n * 60 : n;
};

test("docker-compose config accepts the file, and refuses to run without the secrets", (t) => {
  if (!composeAvailable()) {
    t.diagnostic(
      "SKIPPED: docker-compose is not installed (bash scripts/ci-tools.sh installs it); parsed with yaml instead",
    );
    t.skip("docker-compose not installed");
    return;
  }
  assert.equal(via, "docker-compose");
  const empty = path.join(mkdtempSync(path.join(os.tmpdir(), "crm-compose-")), "empty.env");
  writeFileSync(empty, "");
  const r = run("docker-compose", ["--env-file", empty, "-f", COMPOSE_FILE, "config", "-q"], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  assert.notEqual(r.status, 0, "without .env the file must not resolve (no secret has a default)");
  assert.match(r.stderr, /MESH_SECRET|POSTGRES_PASSWORD|REDIS_PASSWORD|PROVIDER_KEYS/);
});

test("the services: datastores, the one-shot migration, every part, nginx", () => {
  const expected = ["postgres", "redis", "migrate", ...PARTS.map((p) => p.name), "nginx"].sort();
  assert.deepEqual(Object.keys(doc.services).sort(), expected);
  for (const p of PARTS) {
    const s = service(p.name);
    assert.equal(s.build?.dockerfile, dockerfileOf(p), `${p.name} builds from ${dockerfileOf(p)}`);
    assert.equal(
      path.resolve(String(s.build?.context)),
      path.resolve(repoRoot),
      `${p.name}: build context is the repo root`,
    );
    assert.match(String(s.image), new RegExp(`/${p.name}:[\\w.-]+$`), `${p.name}: image <registry>/${p.name}:<tag>`);
  }
  assert.equal(service("migrate").build?.dockerfile, MIGRATE.dockerfile);
});

test("only nginx publishes ports", () => {
  for (const [name, s] of Object.entries(doc.services)) {
    if (name === "nginx") continue;
    assert.equal(s.ports, undefined, `${name} publishes no port`);
  }
  const ports = (service("nginx").ports as (string | { target: number })[]).map((p) =>
    typeof p === "string" ? Number(p.split(":").at(-1)) : Number(p.target),
  );
  assert.deepEqual(ports.sort(), [8080, 8443], "nginx publishes its HTTP (redirect) and HTTPS ports");
});

test("every long-running service has a health check; the migration is one-shot", () => {
  for (const [name, s] of Object.entries(doc.services)) {
    if (name === "migrate") {
      assert.equal(s.restart, "no", "migrate runs once");
      continue;
    }
    assert.ok(s.healthcheck && !s.healthcheck.disable, `${name} has a health check`);
    const test = s.healthcheck.test as string[] | string;
    assert.ok(Array.isArray(test) ? test.length > 1 : Boolean(test), `${name}: health check has a test`);
    for (const k of ["interval", "timeout", "retries"])
      assert.ok(s.healthcheck[k] !== undefined, `${name}: healthcheck.${k}`);
    assert.ok(["unless-stopped", "always", "on-failure"].includes(String(s.restart)), `${name}: restarts`);
  }
});

test("every service has resource limits; the parts have the seed table's", () => {
  for (const [name, s] of Object.entries(doc.services)) {
    const limits = s.deploy?.resources?.limits ?? { cpus: s.cpus, memory: s.mem_limit };
    assert.ok(limits.cpus !== undefined && limits.memory !== undefined, `${name} has CPU and memory limits`);
  }
  for (const p of PARTS) {
    const limits = service(p.name).deploy.resources.limits;
    assert.equal(Number(limits.cpus), Number(p.resources.compose.cpus), `${p.name}: cpus`);
    assert.equal(String(limits.memory), p.resources.compose.memory, `${p.name}: memory`);
  }
});

test("datastores keep their data in named volumes and are health-gated", () => {
  const volumes = Object.keys(doc.volumes ?? {});
  for (const [name, target] of [
    ["postgres", "/var/lib/postgresql/data"],
    ["redis", "/data"],
  ] as const) {
    const mounts = (service(name).volumes ?? []) as (string | { source: string; target: string; type?: string })[];
    const mount = mounts
      .map((m) => (typeof m === "string" ? { source: m.split(":")[0]!, target: m.split(":")[1]!, type: "volume" } : m))
      .find((m) => m.target === target);
    assert.ok(mount, `${name} mounts ${target}`);
    assert.ok(volumes.includes(mount.source), `${name}: ${target} is the named volume ${mount.source}`);
  }
});

test("depends_on waits for health (and for the migration to complete), following the code's peers", () => {
  const conditions = new Map<string, Record<string, string>>();
  for (const [name, s] of Object.entries(doc.services)) {
    const deps = dependsOn(s);
    conditions.set(name, deps);
    for (const [dep, condition] of Object.entries(deps)) {
      const wanted = dep === "migrate" ? "service_completed_successfully" : "service_healthy";
      assert.equal(condition, wanted, `${name} → ${dep}: condition ${wanted}`);
    }
  }
  // no cycles
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (n: string, trail: string[]) => {
    if (done.has(n)) return;
    assert.ok(!visiting.has(n), `depends_on cycle: ${[...trail, n].join(" → ")}`);
    visiting.add(n);
    for (const d of Object.keys(conditions.get(n) ?? {})) visit(d, [...trail, n]);
    visiting.delete(n);
    done.add(n);
  };
  for (const n of conditions.keys()) visit(n, []);

  assert.ok(conditions.get("migrate")?.postgres, "migrate waits for postgres");
  assert.ok(conditions.get("nginx")?.gateway, "nginx waits for the gateway");
  for (const p of parts) {
    const deps = conditions.get(p.info.name) ?? {};
    if (usesDatabase(p)) {
      assert.ok(deps.postgres, `${p.info.name} waits for postgres`);
      assert.ok(deps.migrate, `${p.info.name} waits for the migration`);
    }
    if (usesRedis(p)) assert.ok(deps.redis, `${p.info.name} waits for redis`);
    const peers = peersOf(p);
    for (const peer of [...peers.grpc, ...peers.http])
      assert.ok(deps[peer.name], `${p.info.name} calls ${peer.name}, so it waits for it to be healthy`);
  }
});

test("each part's environment satisfies its config schema (read from the built part)", (t) => {
  for (const m of missing) t.diagnostic(`SKIPPED ${m.info.name}: ${m.reason}`);
  assert.ok(parts.length > 0, "at least one part is built");
  for (const p of parts) {
    const name = p.info.name;
    const env = environmentOf(service(name));
    const set = new Set(Object.keys(env).filter((k) => env[k] !== ""));
    const absent = [...p.required].filter((k) => !set.has(k));
    assert.deepEqual(
      absent,
      [],
      `${name}: compose sets every required variable of its config (missing: ${absent.join(", ")})`,
    );
    for (const key of Object.keys(env))
      assert.ok(
        p.keys.has(key) || INFRA_KEYS.has(key),
        `${name}: ${key} is not a variable ${name} reads (typo or stale?)`,
      );
    const peers = [...p.keys].filter(
      (k) => /_(GRPC_ADDR|URL)$/.test(k) && k !== "DATABASE_URL" && k !== "REDIS_URL" && k !== "JWKS_URL",
    );
    for (const key of peers) assert.ok(set.has(key), `${name}: peer address ${key} is set (no default by design)`);
    try {
      loadConfig(name, p.module.config, env);
    } catch (err) {
      assert.fail(`${name}: its config rejects the compose environment:\n${(err as Error).message}`);
    }
    if (usesRedis(p))
      assert.match(env.REDIS_URL ?? "", /^rediss?:\/\/.+@redis:6379$/, `${name}: shared Redis, not memory://`);
    if (usesDatabase(p)) assert.match(env.DATABASE_URL ?? "", /^postgresql:\/\/[^:]+:[^@]+@postgres:5432\/\w+$/);
    assert.notEqual(env.MIGRATE_ON_START, "true", `${name}: the migrate service migrates, not each replica`);
    assert.equal(env.BIND_HOST, "0.0.0.0", `${name}: listens on the container's interfaces`);
  }
});

test("ports, health checks and peer addresses agree with the parts' port keys", () => {
  for (const p of parts) {
    const { info } = p;
    const env = environmentOf(service(info.name));
    const port = (key: string) => Number(env[key] ?? p.defaults.get(key));
    assert.equal(port(info.httpPortKey), info.httpPort, `${info.name}: ${info.httpPortKey}`);
    if (info.grpcPortKey) assert.equal(port(info.grpcPortKey), info.grpcPort, `${info.name}: ${info.grpcPortKey}`);
    const hc = (service(info.name).healthcheck.test as string[]).join(" ");
    assert.ok(
      hc.includes(`http://127.0.0.1:${info.httpPort}/health'`),
      `${info.name}: health check probes /health on ${info.httpPort}`,
    );
    for (const peer of peersOf(p).grpc)
      assert.equal(
        env[`${peer.prefix}_GRPC_ADDR`],
        `${peer.name}:${peer.grpcPort}`,
        `${info.name} → ${peer.name} gRPC`,
      );
    for (const peer of peersOf(p).http)
      assert.equal(
        env[`${peer.prefix}_URL`],
        `http://${peer.name}:${peer.httpPort}`,
        `${info.name} → ${peer.name} HTTP`,
      );
  }
});

test("the parts' containers are hardened and stop gracefully", () => {
  for (const p of [...PARTS.map((x) => x.name), "migrate"]) {
    const s = service(p);
    assert.equal(String(s.user), "1000:1000", `${p}: uid 1000`);
    assert.equal(s.read_only, true, `${p}: read-only root filesystem`);
    assert.ok(
      (s.tmpfs ?? []).some((x: string) => x.startsWith("/tmp")),
      `${p}: tmpfs /tmp`,
    );
    assert.deepEqual(s.cap_drop, ["ALL"], `${p}: drops all capabilities`);
    assert.ok((s.security_opt ?? []).includes("no-new-privileges:true"), `${p}: no-new-privileges`);
    if (p === "migrate") continue;
    assert.equal(s.stop_signal ?? "SIGTERM", "SIGTERM");
    const env = environmentOf(s);
    const drain = (Number(env.SHUTDOWN_DELAY_MS ?? 0) + Number(env.SHUTDOWN_TIMEOUT_MS ?? 15000)) / 1000;
    assert.ok(seconds(s.stop_grace_period) > drain, `${p}: stop_grace_period ${s.stop_grace_period} > drain ${drain}s`);
  }
  const nginx = service("nginx");
  assert.equal(nginx.read_only, true);
  assert.deepEqual(nginx.cap_drop, ["ALL"]);
});

test("no secret is committed: secrets come from .env through ${VAR:?}, .env.example leaves them empty", () => {
  const raw = parse(readText(COMPOSE_FILE), { merge: true }) as ComposeDoc;
  for (const [name, s] of Object.entries(raw.services)) {
    for (const [key, value] of Object.entries(environmentOf(s))) {
      if (!isSecretKey(key) && !/PASSWORD|SECRET/.test(key)) continue;
      assert.match(value, /\$\{[A-Z_]+(:\?[^}]*|:-)?\}/, `${name}: ${key} comes from the environment, not the file`);
      for (const m of value.matchAll(/\$\{([A-Z_]+)(:?-)([^}]*)\}/g))
        if (/PASSWORD|SECRET|KEYS?$/.test(m[1]!))
          assert.equal(m[3], "", `${name}: ${key}: ${m[1]} has no default value in the file`);
    }
  }
  const example = parseEnvFile(repoPath(".env.example"));
  for (const key of ["POSTGRES_PASSWORD", "REDIS_PASSWORD", "MESH_SECRET", "PROVIDER_KEYS", "BOOTSTRAP_ADMIN_PASSWORD"])
    assert.equal(example[key], "", `.env.example leaves ${key} empty`);
  const generated = parseEnvFile(envFile);
  assert.ok((generated.MESH_SECRET ?? "").length >= 32, "gen-env.mjs fills MESH_SECRET");
  assert.deepEqual(
    Object.keys(generated).sort(),
    Object.keys(example).sort(),
    "gen-env.mjs writes every key of .env.example",
  );
  assert.ok(readFileSync(repoPath("nginx/.gitignore"), "utf8").includes("certs/"), "certificates are not committed");
});

test("nginx gets every variable its template uses, and its mounts exist", () => {
  const nginx = service("nginx");
  const env = environmentOf(nginx);
  const template = readText("nginx/templates/default.conf.template");
  const used = new Set([...template.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]!));
  for (const v of used) assert.ok(env[v], `nginx: ${v} is set`);
  assert.equal(env.NGINX_GATEWAY_UPSTREAM, `gateway:${PARTS.find((p) => p.name === "gateway")!.httpPort}`);
  for (const v of nginx.volumes as (string | { source: string })[]) {
    const source = typeof v === "string" ? v.split(":")[0]! : v.source;
    if (source.endsWith("certs")) continue; // made by deploy/scripts/dev-cert.sh, never committed
    assert.ok(existsSync(path.resolve(repoRoot, source)), `nginx mount ${source} exists`);
  }
});
