import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { repoPath, repoRoot } from "./parts.js";
import { onPath, run } from "./proc.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are free-form until validated */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: any;
};
/* eslint-enable @typescript-eslint/no-explicit-any */

export const kubectlAvailable = (): boolean => onPath("kubectl");

/** `kubectl kustomize <dir>` (kustomize built into kubectl), parsed into objects. */
export function kustomize(dir: string): K8sObject[] {
  const r = run("kubectl", ["kustomize", dir], { cwd: repoRoot, env: { PATH: process.env.PATH, HOME: os.tmpdir() } });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${r.stderr}`);
  return parseYamlStream(r.stdout);
}

export function parseYamlStream(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join("\n"));
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

export const readManifest = (rel: string): K8sObject[] => parseYamlStream(readFileSync(repoPath(rel), "utf8"));

/** kubernetes-models module and interface of each kind the manifests use. */
const MODELS: Record<string, { module: string; name: string }> = {
  "v1/Namespace": { module: "v1/Namespace", name: "Namespace" },
  "v1/ConfigMap": { module: "v1/ConfigMap", name: "ConfigMap" },
  "v1/Secret": { module: "v1/Secret", name: "Secret" },
  "v1/Service": { module: "v1/Service", name: "Service" },
  "v1/ServiceAccount": { module: "v1/ServiceAccount", name: "ServiceAccount" },
  "apps/v1/Deployment": { module: "apps/v1/Deployment", name: "Deployment" },
  "apps/v1/StatefulSet": { module: "apps/v1/StatefulSet", name: "StatefulSet" },
  "batch/v1/Job": { module: "batch/v1/Job", name: "Job" },
  "autoscaling/v2/HorizontalPodAutoscaler": {
    module: "autoscaling/v2/HorizontalPodAutoscaler",
    name: "HorizontalPodAutoscaler",
  },
  "policy/v1/PodDisruptionBudget": { module: "policy/v1/PodDisruptionBudget", name: "PodDisruptionBudget" },
  "networking.k8s.io/v1/NetworkPolicy": { module: "networking.k8s.io/v1/NetworkPolicy", name: "NetworkPolicy" },
  "networking.k8s.io/v1/Ingress": { module: "networking.k8s.io/v1/Ingress", name: "Ingress" },
};

const require = createRequire(import.meta.url);

/**
 * Validates an object against the Kubernetes OpenAPI schema of its kind (kubernetes-models'
 * generated validators: types, required fields, enums, formats). Throws with the schema errors.
 */
export function validateObject(o: K8sObject): void {
  const model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!model)
    throw new Error(`${o.kind} ${o.metadata?.name}: ${o.apiVersion}/${o.kind} is not a kind these manifests may use`);
  const mod = require(`kubernetes-models/${model.module}`) as Record<string, new (d: unknown) => { validate(): void }>;
  const Model = mod[model.name]!;
  new Model(o).validate();
}

/**
 * The same objects type-checked against kubernetes-models' TypeScript interfaces, which the
 * OpenAPI validators do not do for unknown fields: an object literal with a misspelt field
 * (readOnlyRootFilesytem, sizeLimt…) is an excess-property error here.
 */
export async function typecheckObjects(objects: K8sObject[]): Promise<string[]> {
  const ts = (await import("typescript")).default;
  const dir = mkdtempSync(path.join(os.tmpdir(), "crm-k8s-types-"));
  try {
    const imports = new Set<string>();
    const lines: string[] = [];
    objects.forEach((o, i) => {
      const model = MODELS[`${o.apiVersion}/${o.kind}`];
      if (!model) return;
      const alias = `I${model.module.replace(/[^A-Za-z0-9]/g, "_")}`;
      imports.add(`import type { I${model.name} as ${alias} } from "kubernetes-models/${model.module}";`);
      lines.push(`// ${o.kind} ${o.metadata.name}`, `export const o${i}: ${alias} = ${JSON.stringify(o, null, 2)};`);
    });
    const file = path.join(dir, "manifests.ts");
    writeFileSync(file, [...imports, ...lines].join("\n"));
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      baseUrl: repoRoot,
      paths: { "kubernetes-models/*": [path.join(repoRoot, "node_modules", "kubernetes-models", "*")] },
      types: [],
    });
    const text = readFileSync(file, "utf8").split("\n");
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const msg = ts.flattenDiagnosticMessageText(d.messageText, "\n").split("\n")[0];
      if (!d.file || d.start === undefined) return msg ?? "";
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      let owner = "";
      for (let l = line; l >= 0; l--)
        if (text[l]?.startsWith("// ")) {
          owner = text[l]!.slice(3);
          break;
        }
      return `${owner}: ${msg} (line ${line + 1}: ${text[line]?.trim()})`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const byKind = (objects: K8sObject[], kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);
export const find = (objects: K8sObject[], kind: string, name: string): K8sObject | undefined =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);

export const workloads = (objects: K8sObject[]): K8sObject[] =>
  objects.filter((o) => ["Deployment", "StatefulSet", "Job", "DaemonSet", "CronJob"].includes(o.kind));

/* eslint-disable @typescript-eslint/no-explicit-any */
export const podSpec = (o: K8sObject): any => o.spec.template.spec;
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * A container's environment as the kubelet builds it: envFrom ConfigMaps/Secrets, then env
 * entries (values, configMapKeyRef, secretKeyRef). Secrets are resolved from the given Secret
 * objects (the committed example), so a reference to a key the example lacks is an error.
 */
export function containerEnv(
  container: {
    env?: {
      name: string;
      value?: string;
      valueFrom?: Record<string, { name: string; key: string; optional?: boolean }>;
    }[];
    envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  },
  objects: K8sObject[],
  secrets: K8sObject[],
): Record<string, string> {
  const env: Record<string, string> = {};
  const configMap = (name: string): Record<string, string> => {
    const cm = find(objects, "ConfigMap", name);
    if (!cm) throw new Error(`ConfigMap ${name} is not in the build`);
    return (cm.data ?? {}) as Record<string, string>;
  };
  const secret = (name: string): Record<string, string> => {
    const s = secrets.find((x) => x.metadata.name === name);
    if (!s) throw new Error(`Secret ${name}: no example of it`);
    const data: Record<string, string> = { ...(s.stringData ?? {}) };
    for (const [k, v] of Object.entries((s.data ?? {}) as Record<string, string>))
      data[k] = Buffer.from(v, "base64").toString("utf8");
    return data;
  };
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, configMap(from.configMapRef.name));
    if (from.secretRef) Object.assign(env, secret(from.secretRef.name));
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      const v = configMap(ref.name)[ref.key];
      if (v === undefined && !ref.optional) throw new Error(`${e.name}: ConfigMap ${ref.name} has no key ${ref.key}`);
      if (v !== undefined) env[e.name] = v;
    } else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      const v = secret(ref.name)[ref.key];
      if (v === undefined && !ref.optional)
        throw new Error(`${e.name}: Secret ${ref.name} (example) has no key ${ref.key}`);
      if (v !== undefined) env[e.name] = v;
    }
  }
  return env;
}

// --- NetworkPolicy evaluation ---------------------------------------------------------------

export interface Endpoint {
  /** Pod labels (pods in the policies' namespace) … */
  labels?: Record<string, string>;
  /** … or a pod in another namespace … */
  namespace?: Record<string, string>;
  /** … or an address outside the cluster. */
  external?: boolean;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function selects(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in l;
    const value = l[e.key];
    if (e.operator === "In" && !(has && e.values!.includes(value!))) return false;
    if (e.operator === "NotIn" && has && e.values!.includes(value!)) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

function peerMatches(peer: Peer, ep: Endpoint, ownNamespaceLabels: Record<string, string>): boolean {
  if (peer.ipBlock) return Boolean(ep.external);
  if (ep.external) return false;
  const nsLabels = ep.namespace ?? ownNamespaceLabels;
  if (peer.namespaceSelector) {
    if (!selects(peer.namespaceSelector, nsLabels)) return false;
    return peer.podSelector ? selects(peer.podSelector, ep.labels) : true;
  }
  // podSelector alone: pods of the policy's own namespace
  if (ep.namespace) return false;
  return selects(peer.podSelector, ep.labels);
}

function portMatches(
  ports: { port?: number | string; protocol?: string; endPort?: number }[] | undefined,
  port: number,
  protocol: string,
): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some(
    (p) =>
      (p.protocol ?? "TCP") === protocol &&
      (p.port === undefined || (typeof p.port === "number" && port >= p.port && port <= (p.endPort ?? p.port))),
  );
}

/** Whether NetworkPolicies allow src → dst:port (both directions' policies consulted). */
export function allowed(
  policies: K8sObject[],
  src: Endpoint,
  dst: Endpoint,
  port: number,
  namespaceLabels: Record<string, string>,
  protocol = "TCP",
): boolean {
  const types = (p: K8sObject): string[] => p.spec.policyTypes ?? (p.spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);
  // Egress side: policies selecting the source pod.
  if (!src.external && !src.namespace) {
    const egress = policies.filter((p) => types(p).includes("Egress") && selects(p.spec.podSelector, src.labels));
    const ok =
      egress.length === 0 ||
      egress.some((p) =>
        (p.spec.egress ?? []).some(
          (rule: { to?: Peer[]; ports?: [] }) =>
            (!rule.to || rule.to.some((peer) => peerMatches(peer, dst, namespaceLabels))) &&
            portMatches(rule.ports, port, protocol),
        ),
      );
    if (!ok) return false;
  }
  // Ingress side: policies selecting the destination pod.
  if (!dst.external && !dst.namespace) {
    const ingress = policies.filter((p) => types(p).includes("Ingress") && selects(p.spec.podSelector, dst.labels));
    const ok =
      ingress.length === 0 ||
      ingress.some((p) =>
        (p.spec.ingress ?? []).some(
          (rule: { from?: Peer[]; ports?: [] }) =>
            (!rule.from || rule.from.some((peer) => peerMatches(peer, src, namespaceLabels))) &&
            portMatches(rule.ports, port, protocol),
        ),
      );
    if (!ok) return false;
  }
  return true;
}

/** CPU quantity in millicores, memory in bytes. */
export function cpuMillis(q: string | number): number {
  if (typeof q === "number") return q * 1000;
  return q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000;
}
export function bytes(q: string | number): number {
  if (typeof q === "number") return q;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
  if (!m) throw new Error(`bad quantity ${q}`);
  const unit =
    { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] ?? ""] ?? 1;
  return Number(m[1]) * unit;
}
