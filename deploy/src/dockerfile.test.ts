// Every image's Dockerfile, parsed with dockerfile-ast and held to one set of rules: pinned
// current-LTS Node base, multi-stage build from the workspace lockfile with `npm ci`, a pruned
// production install of only the part's dependencies, non-root uid 1000, HEALTHCHECK on /health
// of the part's own port key, STOPSIGNAL SIGTERM, exec-form entry `node <part>/dist/main.js`,
// PROTO_DIR and BIND_HOST=0.0.0.0. Plus the .dockerignore that shapes their build context.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { renderMigrateDockerfile, renderPartDockerfile } from "./lib/dockerfiles.js";
import { envOf, execForm, flagsOf, ofKind, parseDockerfile, type Stage } from "./lib/dockerfile-parse.js";
import { dockerfileOf, entryOf, loadPart, MIGRATE, PARTS, readText, repoPath } from "./lib/parts.js";

const NODE_IMAGE = /^node:(\d+)\.(\d+)\.(\d+)-bookworm-slim$/;

function checkBaseImages(file: string, stages: Stage[]): void {
  assert.ok(stages.length >= 2, `${file}: multi-stage (build, runtime), found ${stages.length} stage(s)`);
  const names = new Set<string>();
  for (const stage of stages) {
    if (names.has(stage.from.image)) continue; // FROM <earlier stage>
    const m = NODE_IMAGE.exec(stage.from.image);
    assert.ok(m, `${file}: base image ${stage.from.image} must be node:<major.minor.patch>-bookworm-slim (pinned)`);
    const major = Number(m[1]);
    assert.ok(major >= 24 && major % 2 === 0, `${file}: Node ${major} is not a current LTS line (even, ≥ 24)`);
    if (stage.from.name) names.add(stage.from.name);
  }
}

function checkBuildStage(file: string, stage: Stage, dir: string, pkg: string): void {
  const runs = ofKind(stage, "RUN").map((r) => r.raw);
  const copies = ofKind(stage, "COPY").map((c) => c.raw.trim());
  assert.ok(
    copies.some((c) => c === ". ." || /package-lock\.json/.test(c)),
    `${file}: the build stage must copy the workspace lockfile (COPY . . or COPY package-lock.json)`,
  );
  const ci = runs.filter((r) => /\bnpm (ci|clean-install)\b/.test(r));
  assert.ok(ci.length >= 1, `${file}: the build installs from the lockfile with npm ci`);
  assert.ok(!runs.some((r) => /\bnpm (install|i)\b/.test(r)), `${file}: npm install would not honour the lockfile`);
  assert.ok(
    runs.some((r) => r.includes(`--filter=${pkg}...`) && /turbo run build/.test(r)),
    `${file}: builds ${pkg} and its workspace dependencies (turbo run build --filter=${pkg}...)`,
  );
  assert.ok(
    runs.some((r) => new RegExp(`deploy/scripts/assemble-image\\.mjs ${dir} /image\\b`).test(r)),
    `${file}: assembles the image root of ${dir} with deploy/scripts/assemble-image.mjs`,
  );
}

function checkRuntimeStage(
  file: string,
  stage: Stage,
  expected: { entry: string; ports: number[]; health?: { key: string; port: number } },
): void {
  const kinds = stage.instructions.map((i) => i.keyword);
  for (const r of ofKind(stage, "RUN"))
    assert.ok(
      !/\bnpm\b|\bnpx\b|\byarn\b/.test(r.raw.replace(/\/usr\/local\/\S*|\/opt\/\S*/g, "")),
      `${file}: runtime stage installs nothing (${r.raw})`,
    );
  const copies = ofKind(stage, "COPY");
  assert.ok(copies.length >= 1, `${file}: runtime copies the assembled image root`);
  for (const c of copies) {
    assert.equal(flagsOf(c.instruction).from, "build", `${file}: runtime copies only from the build stage (${c.raw})`);
    assert.equal(
      flagsOf(c.instruction).chown,
      undefined,
      `${file}: application files stay root-owned (read-only for uid 1000)`,
    );
  }
  assert.deepEqual(
    ofKind(stage, "WORKDIR").map((w) => w.raw.trim()),
    ["/app"],
    `${file}: WORKDIR /app`,
  );
  const users = ofKind(stage, "USER").map((u) => u.raw.trim());
  assert.ok(users.length >= 1, `${file}: runtime sets USER`);
  assert.match(users.at(-1)!, /^1000(:1000)?$/, `${file}: runs as uid 1000 (numeric, so runAsNonRoot can verify it)`);
  assert.ok(kinds.lastIndexOf("USER") < kinds.indexOf("ENTRYPOINT"), `${file}: USER comes before the entry`);

  const env = envOf(stage);
  assert.equal(env.NODE_ENV, "production", `${file}: NODE_ENV=production`);
  assert.equal(env.PROTO_DIR, "/app/proto", `${file}: PROTO_DIR=/app/proto`);
  assert.equal(
    env.BIND_HOST,
    "0.0.0.0",
    `${file}: BIND_HOST=0.0.0.0 (the kit's default 127.0.0.1 is unreachable in a container)`,
  );

  const stops = ofKind(stage, "STOPSIGNAL").map((s) => s.raw.trim());
  assert.deepEqual(stops, ["SIGTERM"], `${file}: STOPSIGNAL SIGTERM`);

  const entrypoints = ofKind(stage, "ENTRYPOINT");
  assert.equal(entrypoints.length, 1, `${file}: exactly one ENTRYPOINT`);
  assert.deepEqual(
    execForm(entrypoints[0]!.raw),
    ["node", expected.entry],
    `${file}: exec-form ENTRYPOINT ["node", "${expected.entry}"]`,
  );
  assert.equal(ofKind(stage, "CMD").length, 0, `${file}: no CMD (nothing is appended to the entry)`);

  const exposed = ofKind(stage, "EXPOSE")
    .flatMap((e) => e.raw.trim().split(/\s+/))
    .map((p) => Number(p.split("/")[0]));
  assert.deepEqual(exposed.sort(), [...expected.ports].sort(), `${file}: EXPOSE ${expected.ports.join(" ")}`);

  const checks = ofKind(stage, "HEALTHCHECK");
  assert.equal(checks.length, 1, `${file}: exactly one HEALTHCHECK`);
  const hc = checks[0]!;
  if (!expected.health) {
    assert.equal(hc.raw.trim(), "NONE", `${file}: a one-shot image declares HEALTHCHECK NONE`);
    return;
  }
  const flags = flagsOf(hc.instruction);
  for (const f of ["interval", "timeout", "start-period", "retries"])
    assert.ok(flags[f], `${file}: HEALTHCHECK --${f}`);
  const argv = execForm(hc.raw.slice(hc.raw.indexOf("CMD")));
  assert.ok(argv, `${file}: HEALTHCHECK CMD in exec form`);
  assert.deepEqual(argv.slice(0, 2), ["node", "-e"], `${file}: HEALTHCHECK runs node -e (no curl in the image)`);
  const script = argv[2] ?? "";
  assert.match(script, /fetch\(/, `${file}: HEALTHCHECK fetches`);
  assert.match(script, /\/health'/, `${file}: HEALTHCHECK probes /health`);
  assert.ok(
    script.includes(`process.env.${expected.health.key}`) && script.includes(`||${expected.health.port})`),
    `${file}: HEALTHCHECK uses the part's port key ${expected.health.key} (default ${expected.health.port})`,
  );
}

for (const info of PARTS) {
  test(`Dockerfile of ${info.name} follows the image rules`, async (t) => {
    const file = dockerfileOf(info);
    assert.ok(existsSync(repoPath(file)), `${file} exists`);
    const text = readText(file);
    assert.equal(
      text,
      renderPartDockerfile(info),
      `${file} is generated: run npm run dockerfiles -w @crm/deploy-tests`,
    );
    const { stages, directives } = parseDockerfile(text);
    assert.ok(directives.includes("syntax=docker/dockerfile:1"), `${file}: BuildKit syntax directive (RUN --mount)`);
    checkBaseImages(file, stages);
    const build = stages.find((s) => s.from.name === "build");
    assert.ok(build, `${file}: a stage named build`);
    checkBuildStage(file, build, info.dir, info.pkg);
    checkRuntimeStage(file, stages.at(-1)!, {
      entry: entryOf(info),
      ports: [info.httpPort, ...(info.grpcPort ? [info.grpcPort] : [])],
      health: { key: info.httpPortKey, port: info.httpPort },
    });

    // Against the part's code, when it exists: its entry is the file the image starts, and the
    // ports the image exposes and probes are the ones its config reads.
    const loaded = await loadPart(info);
    if (!loaded.ok) {
      t.diagnostic(`${info.name}: ${loaded.reason}; checked against the conventions only`);
      return;
    }
    const part = loaded.part;
    assert.ok(existsSync(repoPath(entryOf(info))), `${entryOf(info)} exists in the build`);
    assert.equal(
      part.defaults.get(info.httpPortKey),
      String(info.httpPort),
      `${info.name}: default ${info.httpPortKey}`,
    );
    if (info.grpcPortKey)
      assert.equal(
        part.defaults.get(info.grpcPortKey),
        String(info.grpcPort),
        `${info.name}: default ${info.grpcPortKey}`,
      );
    const pkg = JSON.parse(readText(`${info.dir}/package.json`)) as { name: string; main?: string };
    assert.equal(pkg.name, info.pkg);
  });
}

test("the migration image runs the migrator once and exits", () => {
  const text = readText(MIGRATE.dockerfile);
  assert.equal(
    text,
    renderMigrateDockerfile(),
    `${MIGRATE.dockerfile} is generated: run npm run dockerfiles -w @crm/deploy-tests`,
  );
  const { stages } = parseDockerfile(text);
  checkBaseImages(MIGRATE.dockerfile, stages);
  checkBuildStage(
    MIGRATE.dockerfile,
    stages.find((s) => s.from.name === "build")!,
    MIGRATE.dir,
    MIGRATE.pkg,
  );
  checkRuntimeStage(MIGRATE.dockerfile, stages.at(-1)!, { entry: MIGRATE.entry, ports: [] });
  assert.ok(existsSync(repoPath(MIGRATE.entry)), `${MIGRATE.entry} exists in the build`);
});

test("the pruned install is npm ci --omit=dev of the part's workspace only", () => {
  const script = readText("deploy/scripts/assemble-image.mjs");
  for (const flag of ['"ci"', '"--omit=dev"', "`--workspace=${part.name}`", '"--include-workspace-root=false"'])
    assert.ok(script.includes(flag), `assemble-image.mjs runs npm with ${flag}`);
  assert.ok(script.includes('"proto"'), "assemble-image.mjs copies proto/ (PROTO_DIR)");
  assert.ok(script.includes('"migrations"'), "assemble-image.mjs copies prisma/migrations for @crm/db");
});

/** .dockerignore semantics (last match wins, `!` re-includes, a match on a parent excludes the subtree). */
function ignored(patterns: string[], file: string): boolean {
  let result = false;
  for (const raw of patterns) {
    const negate = raw.startsWith("!");
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, "");
    const re = new RegExp(
      `^${pattern
        .split("**")
        .map((part) =>
          part
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*")
            .replace(/\?/g, "[^/]"),
        )
        .join(".*")}$`,
    );
    const segments = file.split("/");
    const hit = segments.some((_, i) => re.test(segments.slice(0, i + 1).join("/")));
    if (hit) result = !negate;
  }
  return result;
}

test(".dockerignore keeps secrets, installs and build output out of the context, and the build inputs in", () => {
  const patterns = readText(".dockerignore")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  for (const out of [
    ".git/HEAD",
    "node_modules/zod/package.json",
    "services/auth/node_modules/x/index.js",
    "services/auth/dist/main.js",
    "packages/kit/dist/index.js",
    "packages/db/src/generated/prisma/client.ts",
    ".env",
    ".env.local",
    ".data/postgres/PG_VERSION",
    "nginx/certs/tls.key",
    "services/auth/tsconfig.tsbuildinfo",
  ])
    assert.ok(ignored(patterns, out), `.dockerignore excludes ${out}`);
  for (const kept of [
    "package.json",
    "package-lock.json",
    "tsconfig.base.json",
    "turbo.json",
    "prisma.config.ts",
    "proto/crm/auth/v1/auth.proto",
    "prisma/schema/base.prisma",
    "prisma/migrations/migration_lock.toml",
    "scripts/generate.mjs",
    "deploy/scripts/assemble-image.mjs",
    "services/auth/src/main.ts",
    "services/auth/package.json",
    "gateway/src/main.ts",
    "packages/kit/src/index.ts",
  ])
    assert.ok(!ignored(patterns, kept), `.dockerignore keeps ${kept}`);
  assert.equal(readFileSync(repoPath(".dockerignore"), "utf8").includes("package-lock"), false);
});
