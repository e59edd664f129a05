// kubernetes/: the base and both overlays built with kubectl's kustomize, every object validated
// against the Kubernetes OpenAPI schemas (kubernetes-models) and type-checked against its
// interfaces (unknown fields), and checked against the code: each part's Deployment gets the
// env its config schema requires (ConfigMap + the Secret's example keys, validated with the
// part's own schema), probes on its real ports and ops paths (native gRPC liveness where it
// serves gRPC), the seed resources, the hardening every workload must have, and NetworkPolicies
// that allow exactly gateway → REST, mesh callers → gRPC (the peers read from each config),
// DNS and the datastores each part uses.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { loadConfig } from "@crm/kit";
import {
  allowed,
  byKind,
  bytes,
  containerEnv,
  cpuMillis,
  find,
  kubectlAvailable,
  kustomize,
  podSpec,
  readManifest,
  typecheckObjects,
  validateObject,
  workloads,
  type Endpoint,
  type K8sObject,
} from "./lib/k8s.js";
import {
  loadParts,
  PARTS,
  peersOf,
  repoRoot,
  usesDatabase,
  usesRedis,
  type LoadedPart,
  type PartInfo,
} from "./lib/parts.js";
import { onPath, run } from "./lib/proc.js";

const BUILDS = {
  base: { dir: "kubernetes/base", namespace: "codereview" },
  dev: { dir: "kubernetes/overlays/dev", namespace: "codereview-dev" },
  prod: { dir: "kubernetes/overlays/prod", namespace: "codereview" },
} as const;
type BuildName = keyof typeof BUILDS;

const built = new Map<BuildName, K8sObject[]>();
let parts: LoadedPart[] = [];
let missing: { info: PartInfo; reason: string }[] = [];
const secretExample = readManifest("kubernetes/base/secret.example.yaml");
const label = "app.kubernetes.io/name";

before(async () => {
  ({ loaded: parts, missing } = await loadParts());
  if (!kubectlAvailable()) return;
  for (const name of Object.keys(BUILDS) as BuildName[]) built.set(name, kustomize(BUILDS[name].dir));
});

function objectsOf(
  name: BuildName,
  t: { skip(msg: string): void; diagnostic(msg: string): void },
): K8sObject[] | undefined {
  const objects = built.get(name);
  if (!objects) {
    t.diagnostic("SKIPPED: kubectl is not installed (bash scripts/ci-tools.sh installs kubernetes-client)");
    t.skip("kubectl not installed");
  }
  return objects;
}

const isOurImage = (image: string) => /(^|\/)(crm|codereview-mesh)\/[a-z-]+(:|@)/.test(image);

test("kubectl kustomize builds the base and both overlays", (t) => {
  if (!objectsOf("base", t)) return;
  for (const [name, objects] of built) {
    assert.ok(objects.length > 0, `${name} builds`);
    for (const o of objects) assert.ok(o.metadata?.name, `${name}: every object has a name`);
  }
});

for (const name of Object.keys(BUILDS) as BuildName[]) {
  test(`${name}: every object validates against the Kubernetes schemas (kubernetes-models) and has no unknown field`, async (t) => {
    const objects = objectsOf(name, t);
    if (!objects) return;
    const errors: string[] = [];
    for (const o of objects) {
      try {
        validateObject(o);
      } catch (err) {
        errors.push(`${o.kind} ${o.metadata.name}: ${(err as Error).message}`);
      }
    }
    assert.deepEqual(errors, [], "schema validation");
    assert.deepEqual(await typecheckObjects(objects), [], "type check against kubernetes-models' interfaces");
  });
}

test("the Secret example validates, is in no build, and has every key the builds reference", async (t) => {
  assert.equal(secretExample.length, 1);
  validateObject(secretExample[0]!);
  assert.deepEqual(await typecheckObjects(secretExample), []);
  if (!objectsOf("prod", t)) return;
  for (const [name, objects] of built) {
    assert.equal(
      byKind(objects, "Secret").length,
      0,
      `${name} ships no Secret (create crm-secrets from your secret store)`,
    );
    for (const w of workloads(objects))
      for (const c of podSpec(w).containers)
        for (const e of c.env ?? [])
          if (e.valueFrom?.secretKeyRef)
            assert.ok(
              e.valueFrom.secretKeyRef.key in secretExample[0]!.stringData,
              `${name}: ${w.metadata.name} reads ${e.valueFrom.secretKeyRef.key}, which secret.example.yaml documents`,
            );
  }
});

test("yamllint accepts the manifests and the compose file", (t) => {
  if (!onPath("yamllint")) {
    t.diagnostic("SKIPPED: yamllint is not installed (bash scripts/ci-tools.sh)");
    t.skip("yamllint not installed");
    return;
  }
  const config =
    "{extends: default, rules: {line-length: {max: 200}, document-start: disable, truthy: {check-keys: false}, comments: {min-spaces-from-content: 1}, indentation: {indent-sequences: consistent}}}";
  const r = run("yamllint", ["-s", "-d", config, "kubernetes", "docker-compose.services.yml"], { cwd: repoRoot });
  assert.equal(r.status, 0, `yamllint:\n${r.stdout}${r.stderr}`);
});

for (const name of ["dev", "prod"] as const) {
  test(`${name}: one Namespace under the restricted Pod Security profile holds everything`, (t) => {
    const objects = objectsOf(name, t);
    if (!objects) return;
    const namespaces = byKind(objects, "Namespace");
    assert.equal(namespaces.length, 1);
    assert.equal(namespaces[0]!.metadata.name, BUILDS[name].namespace);
    assert.equal(namespaces[0]!.metadata.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
    for (const o of objects)
      if (o.kind !== "Namespace")
        assert.equal(o.metadata.namespace, BUILDS[name].namespace, `${o.kind} ${o.metadata.name}`);
  });

  test(`${name}: every workload is hardened (non-root, read-only root, no escalation, no capabilities, seccomp, limits)`, (t) => {
    const objects = objectsOf(name, t);
    if (!objects) return;
    const all = workloads(objects);
    assert.ok(all.length >= PARTS.length + 1, "a workload per part and the migration Job");
    for (const w of all) {
      const id = `${w.kind} ${w.metadata.name}`;
      const spec = podSpec(w);
      assert.equal(spec.automountServiceAccountToken, false, `${id}: no service account token`);
      assert.equal(
        spec.enableServiceLinks,
        false,
        `${id}: no service link env (GATEWAY_PORT=tcp://… would break the gateway)`,
      );
      assert.equal(spec.hostNetwork ?? false, false, `${id}: no host network`);
      assert.equal(spec.securityContext?.runAsNonRoot, true, `${id}: pod runAsNonRoot`);
      assert.equal(spec.securityContext?.seccompProfile?.type, "RuntimeDefault", `${id}: seccomp RuntimeDefault`);
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        const cid = `${id}/${c.name}`;
        const sc = c.securityContext ?? {};
        assert.equal(sc.allowPrivilegeEscalation, false, `${cid}: allowPrivilegeEscalation false`);
        assert.equal(sc.readOnlyRootFilesystem, true, `${cid}: readOnlyRootFilesystem`);
        assert.equal(sc.privileged ?? false, false, `${cid}: not privileged`);
        assert.deepEqual(sc.capabilities?.drop, ["ALL"], `${cid}: drops ALL capabilities`);
        assert.equal(sc.capabilities?.add, undefined, `${cid}: adds none`);
        assert.notEqual(sc.runAsNonRoot, false, `${cid}: runAsNonRoot`);
        const uid = sc.runAsUser ?? spec.securityContext?.runAsUser;
        assert.ok(uid !== undefined && uid !== 0, `${cid}: a numeric non-root uid`);
        if (isOurImage(c.image)) assert.equal(uid, 1000, `${cid}: our images run as uid 1000`);
        const tmp = (c.volumeMounts ?? []).find((m: { mountPath: string }) => m.mountPath === "/tmp");
        assert.ok(tmp, `${cid}: a writable /tmp`);
        const volume = spec.volumes.find((v: { name: string }) => v.name === tmp.name);
        assert.ok(volume?.emptyDir, `${cid}: /tmp is an emptyDir`);
        for (const kind of ["requests", "limits"])
          for (const r of ["cpu", "memory"]) assert.ok(c.resources?.[kind]?.[r], `${cid}: resources.${kind}.${r}`);
        assert.ok(
          cpuMillis(c.resources.requests.cpu) <= cpuMillis(c.resources.limits.cpu),
          `${cid}: cpu request ≤ limit`,
        );
        assert.ok(
          bytes(c.resources.requests.memory) <= bytes(c.resources.limits.memory),
          `${cid}: memory request ≤ limit`,
        );
        assert.match(c.image, /:[\w.-]+$|@sha256:/, `${cid}: image has a tag`);
        assert.doesNotMatch(c.image, /:latest$/, `${cid}: no :latest`);
      }
    }
  });

  test(`${name}: each part's Deployment, Service, HPA and PDB match its code`, (t) => {
    const objects = objectsOf(name, t);
    if (!objects) return;
    for (const m of missing) t.diagnostic(`${m.info.name}: ${m.reason}; checked against the conventions only`);
    for (const info of PARTS) {
      const part = parts.find((p) => p.info.name === info.name);
      const deployment = find(objects, "Deployment", info.name);
      assert.ok(deployment, `${info.name}: Deployment`);
      const spec = podSpec(deployment);
      assert.deepEqual(deployment.spec.selector.matchLabels, { [label]: info.name });
      assert.equal(deployment.spec.template.metadata.labels[label], info.name);
      assert.equal(deployment.spec.strategy?.type, "RollingUpdate", `${info.name}: rolling update`);
      assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0, `${info.name}: maxUnavailable 0`);
      assert.equal(spec.containers.length, 1);
      const c = spec.containers[0];
      assert.match(c.image, new RegExp(`/${info.name}[:@]`), `${info.name}: its own image`);

      const env = containerEnv(c, objects, secretExample);
      const effective = (key: string) => env[key] ?? part?.defaults.get(key);
      const httpPort = Number(effective(info.httpPortKey) ?? info.httpPort);
      const grpcPort = info.grpcPortKey ? Number(effective(info.grpcPortKey) ?? info.grpcPort) : undefined;
      assert.equal(httpPort, info.httpPort, `${info.name}: ${info.httpPortKey}`);
      assert.equal(grpcPort, info.grpcPort, `${info.name}: ${info.grpcPortKey}`);
      const ports: Record<string, number> = Object.fromEntries(
        c.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]),
      );
      assert.deepEqual(
        ports,
        { http: httpPort, ...(grpcPort ? { grpc: grpcPort } : {}) },
        `${info.name}: container ports`,
      );
      const named = new Map(Object.entries(ports));
      const resolve = (port: string | number) => (typeof port === "number" ? port : named.get(port));

      // Probes on the kit's ops endpoints; native gRPC where the part serves gRPC.
      assert.equal(c.startupProbe?.httpGet?.path, "/health/startup", `${info.name}: startupProbe /health/startup`);
      assert.equal(resolve(c.startupProbe.httpGet.port), httpPort);
      assert.equal(c.readinessProbe?.httpGet?.path, "/ready", `${info.name}: readinessProbe /ready`);
      assert.equal(resolve(c.readinessProbe.httpGet.port), httpPort);
      if (grpcPort) {
        assert.equal(c.livenessProbe?.grpc?.port, grpcPort, `${info.name}: native gRPC liveness on ${grpcPort}`);
        assert.equal(c.livenessProbe.grpc.service, undefined, `${info.name}: gRPC probe of the server ("" service)`);
      } else {
        assert.equal(c.livenessProbe?.httpGet?.path, "/health", `${info.name}: livenessProbe /health`);
        assert.equal(resolve(c.livenessProbe.httpGet.port), httpPort);
      }
      for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe])
        assert.ok((probe.timeoutSeconds ?? 1) >= 2, `${info.name}: probe timeout leaves room for /ready's 2 s checks`);

      // Graceful stop: the pod gets longer than the part's drain.
      const drainMs = Number(effective("SHUTDOWN_DELAY_MS") ?? 0) + Number(effective("SHUTDOWN_TIMEOUT_MS") ?? 15000);
      assert.ok(
        spec.terminationGracePeriodSeconds * 1000 > drainMs,
        `${info.name}: terminationGracePeriodSeconds ${spec.terminationGracePeriodSeconds} s > drain ${drainMs} ms`,
      );

      // Resources: limits are the seed table's (the gateway's prod overlay gives it more, see docs).
      const seed = info.resources.k8s;
      if (!(name === "prod" && info.name === "gateway")) {
        assert.equal(cpuMillis(c.resources.limits.cpu), cpuMillis(seed.limits.cpu), `${info.name}: cpu limit`);
        assert.equal(bytes(c.resources.limits.memory), bytes(seed.limits.memory), `${info.name}: memory limit`);
      }
      if (name === "prod" && info.name !== "gateway") {
        assert.equal(cpuMillis(c.resources.requests.cpu), cpuMillis(seed.requests.cpu), `${info.name}: cpu request`);
        assert.equal(bytes(c.resources.requests.memory), bytes(seed.requests.memory), `${info.name}: memory request`);
      }

      // Service
      const svc = find(objects, "Service", info.name);
      assert.ok(svc, `${info.name}: Service`);
      assert.deepEqual(svc.spec.selector, { [label]: info.name });
      const svcPorts = Object.fromEntries(
        svc.spec.ports.map((p: { name: string; port: number; targetPort: string }) => [p.name, [p.port, p.targetPort]]),
      );
      assert.deepEqual(
        svcPorts,
        { http: [httpPort, "http"], ...(grpcPort ? { grpc: [grpcPort, "grpc"] } : {}) },
        `${info.name}: Service ports`,
      );

      // HPA and PDB
      const hpa = find(objects, "HorizontalPodAutoscaler", info.name);
      assert.ok(hpa, `${info.name}: HPA`);
      assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: info.name });
      assert.ok(hpa.spec.minReplicas <= hpa.spec.maxReplicas);
      assert.equal(
        deployment.spec.replicas,
        hpa.spec.minReplicas,
        `${info.name}: replicas = HPA minimum (apply never fights the HPA)`,
      );
      const pdb = find(objects, "PodDisruptionBudget", info.name);
      assert.ok(pdb, `${info.name}: PDB`);
      assert.deepEqual(pdb.spec.selector.matchLabels, { [label]: info.name });
      assert.ok(
        pdb.spec.maxUnavailable >= 1 ||
          (pdb.spec.minAvailable !== undefined && pdb.spec.minAvailable < hpa.spec.minReplicas),
        `${info.name}: the PDB lets a node drain proceed`,
      );

      // Env against the part's own config schema.
      if (!part) continue;
      const absent = [...part.required].filter((k) => env[k] === undefined || env[k] === "");
      assert.deepEqual(absent, [], `${info.name}: every required variable is set (missing: ${absent.join(", ")})`);
      for (const peer of peersOf(part).grpc)
        assert.equal(
          env[`${peer.prefix}_GRPC_ADDR`],
          `${peer.name}:${peer.grpcPort}`,
          `${info.name} → ${peer.name} gRPC via its Service`,
        );
      for (const peer of peersOf(part).http)
        assert.equal(
          env[`${peer.prefix}_URL`],
          `http://${peer.name}:${peer.httpPort}`,
          `${info.name} → ${peer.name} REST via its Service`,
        );
      for (const e of c.env ?? []) assert.ok(part.keys.has(e.name), `${info.name}: ${e.name} is a variable it reads`);
      assert.notEqual(env.MIGRATE_ON_START, "true", `${info.name}: the Job migrates`);
      assert.equal(env.BIND_HOST ?? "0.0.0.0", "0.0.0.0");
      if (usesRedis(part)) assert.match(env.REDIS_URL ?? "", /^rediss?:\/\//, `${info.name}: a shared Redis`);
      try {
        loadConfig(info.name, part.module.config, env);
      } catch (err) {
        assert.fail(`${info.name}: its config rejects the pod environment:\n${(err as Error).message}`);
      }
    }
  });

  test(`${name}: NetworkPolicies allow exactly gateway → REST, callers → their peers' gRPC, DNS and the datastores`, (t) => {
    const objects = objectsOf(name, t);
    if (!objects) return;
    const policies = byKind(objects, "NetworkPolicy");
    const ns = { "kubernetes.io/metadata.name": BUILDS[name].namespace };
    const pod = (n: string): Endpoint => ({ labels: { [label]: n } });
    const ok = (src: Endpoint, dst: Endpoint, port: number, protocol = "TCP") =>
      allowed(policies, src, dst, port, ns, protocol);
    const deny = find(objects, "NetworkPolicy", "default-deny");
    assert.ok(deny, "default-deny");
    assert.deepEqual(deny.spec.podSelector, {});
    assert.deepEqual([...deny.spec.policyTypes].sort(), ["Egress", "Ingress"]);

    const names = [...PARTS.map((p) => p.name), "migrate"];
    const dns: Endpoint = {
      namespace: { "kubernetes.io/metadata.name": "kube-system" },
      labels: { "k8s-app": "kube-dns" },
    };
    for (const n of names) {
      assert.ok(ok(pod(n), dns, 53, "UDP") && ok(pod(n), dns, 53, "TCP"), `${n} → DNS`);
      assert.ok(!ok(pod(n), { external: true }, 80), `${n} ↛ the internet on port 80`);
    }
    const ingressController: Endpoint = { namespace: { "kubernetes.io/metadata.name": "ingress-nginx" }, labels: {} };
    assert.ok(ok(ingressController, pod("gateway"), 8080), "ingress controller → gateway");
    assert.ok(
      !ok({ namespace: { "kubernetes.io/metadata.name": "other" } }, pod("gateway"), 8080),
      "another namespace ↛ gateway",
    );

    for (const dst of PARTS) {
      for (const src of names) {
        if (src === dst.name) continue;
        const srcPart = parts.find((p) => p.info.name === src);
        if (dst.name !== "gateway") {
          assert.ok(!ok(ingressController, pod(dst.name), dst.httpPort), `ingress controller ↛ ${dst.name}`);
          assert.equal(
            ok(pod(src), pod(dst.name), dst.httpPort),
            src === "gateway",
            `${src} → ${dst.name} REST only from the gateway`,
          );
        } else {
          assert.ok(!ok(pod(src), pod("gateway"), dst.httpPort), `${src} ↛ gateway`);
        }
        if (dst.grpcPort && srcPart) {
          const calls = peersOf(srcPart).grpc.some((p) => p.name === dst.name);
          assert.equal(
            ok(pod(src), pod(dst.name), dst.grpcPort),
            calls,
            `${src} → ${dst.name} gRPC ${calls ? "allowed (a caller)" : "denied"}`,
          );
        }
      }
    }
    const postgres: Endpoint[] = name === "dev" ? [pod("postgres")] : [{ external: true }];
    const redis: Endpoint[] = name === "dev" ? [pod("redis")] : [{ external: true }];
    for (const p of parts) {
      for (const db of postgres)
        assert.equal(
          ok(pod(p.info.name), db, 5432),
          usesDatabase(p),
          `${p.info.name} → postgres iff it has a database`,
        );
      for (const r of redis)
        assert.equal(ok(pod(p.info.name), r, 6379), usesRedis(p), `${p.info.name} → redis iff it uses Redis`);
    }
    for (const db of postgres) assert.ok(ok(pod("migrate"), db, 5432), "migrate → postgres");
  });

  test(`${name}: the migration Job and the Ingress`, (t) => {
    const objects = objectsOf(name, t);
    if (!objects) return;
    const job = find(objects, "Job", "migrate");
    assert.ok(job, "Job migrate");
    const spec = podSpec(job);
    assert.ok(["OnFailure", "Never"].includes(spec.restartPolicy));
    assert.ok(job.spec.backoffLimit >= 1 && job.spec.activeDeadlineSeconds > 0);
    const c = spec.containers[0];
    assert.match(c.image, /\/migrate[:@]/);
    assert.equal(c.command, undefined, "the image's entry (the migrator) runs as is");
    const env = containerEnv(c, objects, secretExample);
    assert.match(env.DATABASE_URL ?? "", /^postgres(ql)?:\/\//, "DATABASE_URL from the Secret");

    const gateway = PARTS.find((p) => p.name === "gateway")!;
    const gatewayPart = parts.find((p) => p.info.name === "gateway");
    const ingresses = byKind(objects, "Ingress");
    assert.ok(ingresses.length >= 1);
    for (const ing of ingresses) {
      assert.ok(ing.spec.tls?.length, `${ing.metadata.name}: TLS`);
      assert.equal(ing.metadata.annotations?.["nginx.ingress.kubernetes.io/force-ssl-redirect"], "true");
      for (const rule of ing.spec.rules)
        for (const p of rule.http.paths)
          assert.deepEqual(p.backend.service, { name: "gateway", port: { name: "http" } });
    }
    const main = find(objects, "Ingress", "gateway")!;
    const archiveLimit = Number(gatewayPart?.defaults.get("ARCHIVE_BODY_LIMIT_BYTES") ?? 50 * 1024 * 1024);
    assert.equal(
      bytes(main.metadata.annotations!["nginx.ingress.kubernetes.io/proxy-body-size"]!.replace(/m$/, "Mi")),
      archiveLimit,
      "Ingress body limit = the gateway's archive upload limit",
    );
    const streams = find(objects, "Ingress", "gateway-streams")!;
    assert.equal(streams.metadata.annotations?.["nginx.ingress.kubernetes.io/proxy-buffering"], "off");
    const paths = streams.spec.rules.flatMap((r: { http: { paths: { path: string }[] } }) =>
      r.http.paths.map((p) => p.path),
    );
    for (const route of ["/api/v1/analyses/abc123/events", "/api/v1/ai/chat/completions"])
      assert.ok(
        paths.some((p: string) => new RegExp(`^${p}$`).test(route)),
        `SSE route ${route} is unbuffered`,
      );
    assert.equal(gateway.httpPort, 8080);
  });
}

test("overlays: dev is small and local, prod is replicated and from the registry", (t) => {
  const dev = objectsOf("dev", t);
  const prod = built.get("prod");
  if (!dev || !prod) return;
  for (const info of PARTS) {
    const d: K8sObject = find(dev, "Deployment", info.name)!;
    const p: K8sObject = find(prod, "Deployment", info.name)!;
    assert.equal(d.spec.replicas, 1, `dev: one ${info.name}`);
    assert.ok(p.spec.replicas >= 2, `prod: at least two ${info.name} (a rollout or a node loss keeps it up)`);
    const dh: K8sObject = find(dev, "HorizontalPodAutoscaler", info.name)!;
    const ph: K8sObject = find(prod, "HorizontalPodAutoscaler", info.name)!;
    assert.deepEqual([dh.spec.minReplicas, dh.spec.maxReplicas], [1, 2], `dev HPA bounds of ${info.name}`);
    assert.ok(ph.spec.maxReplicas >= 2 * ph.spec.minReplicas, `prod HPA of ${info.name} has room to grow`);
    const dc = podSpec(d).containers[0];
    const pc = podSpec(p).containers[0];
    assert.match(dc.image, new RegExp(`^crm/${info.name}:dev$`), "dev images are the locally built :dev ones");
    assert.match(
      pc.image,
      new RegExp(`^[a-z0-9.-]+\\.[a-z]{2,}(:\\d+)?/.+/${info.name}:\\d+\\.\\d+\\.\\d+$`),
      "prod images: registry, release tag",
    );
    assert.ok(
      cpuMillis(dc.resources.requests.cpu) < cpuMillis(pc.resources.requests.cpu),
      `dev requests less CPU for ${info.name}`,
    );
  }
  assert.ok(
    find(dev, "StatefulSet", "postgres") && find(dev, "StatefulSet", "redis"),
    "dev runs PostgreSQL and Redis in the cluster",
  );
  assert.equal(byKind(prod, "StatefulSet").length, 0, "prod uses managed datastores");
  assert.equal(find(dev, "ConfigMap", "crm-config")!.data.LOG_LEVEL, "debug");
  assert.equal(find(prod, "ConfigMap", "crm-config")!.data.LOG_LEVEL, "info");
  assert.ok(
    find(prod, "Ingress", "gateway")!.metadata.annotations?.["cert-manager.io/cluster-issuer"],
    "prod: certificate from cert-manager",
  );
});
