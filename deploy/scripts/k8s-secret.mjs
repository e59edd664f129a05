#!/usr/bin/env node
// Prints a Secret crm-secrets with fresh random values for a cluster that runs the in-cluster
// datastores (overlays/dev), ready for `kubectl apply -f -`:
//   node deploy/scripts/k8s-secret.mjs codereview-dev | kubectl apply -f -
// Production: create crm-secrets from your secret store instead (kubernetes/base/secret.example.yaml).
import { randomBytes } from "node:crypto";

const namespace = process.argv[2] ?? "codereview-dev";
const postgres = randomBytes(24).toString("hex");
const redis = randomBytes(24).toString("hex");
const data = {
  MESH_SECRET: randomBytes(32).toString("hex"),
  DATABASE_URL: `postgresql://crm:${postgres}@postgres:5432/codereview`,
  REDIS_URL: `redis://:${redis}@redis:6379`,
  PROVIDER_KEYS: `k1:${randomBytes(32).toString("base64")}`,
  PROVIDER_ACTIVE_KEY_ID: "k1",
  POSTGRES_PASSWORD: postgres,
  REDIS_PASSWORD: redis,
};
const lines = [
  "apiVersion: v1",
  "kind: Secret",
  "metadata:",
  "  name: crm-secrets",
  `  namespace: ${namespace}`,
  "type: Opaque",
  "stringData:",
  ...Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
  "",
];
process.stdout.write(lines.join("\n"));
