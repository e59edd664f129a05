import type { PartModule } from "@crm/kit";

/**
 * Every part of the platform, in start order (peers before their callers, the gateway last).
 * Each entry is the part's package; its `./part` export is the same module its own `main`
 * runs, so all-in-one and one-process-per-part are one code path.
 */
export const PARTS = [
  { name: "auth", pkg: "@crm/auth" },
  { name: "project", pkg: "@crm/project" },
  { name: "version-control", pkg: "@crm/version-control" },
  { name: "provider", pkg: "@crm/provider" },
  { name: "ai-orchestrator", pkg: "@crm/ai-orchestrator" },
  { name: "analysis", pkg: "@crm/analysis" },
  { name: "comparison", pkg: "@crm/comparison" },
  { name: "gateway", pkg: "@crm/gateway" },
] as const;

export type PartName = (typeof PARTS)[number]["name"];

/** Where each part listens by default, and how peers reach it. */
export const ADDRESSES: Record<
  PartName,
  { httpKey: string; http: number; grpcKey?: string; grpc?: number; prefix: string }
> = {
  auth: { httpKey: "AUTH_HTTP_PORT", http: 4001, grpcKey: "AUTH_GRPC_PORT", grpc: 5001, prefix: "AUTH" },
  project: { httpKey: "PROJECT_HTTP_PORT", http: 4002, grpcKey: "PROJECT_GRPC_PORT", grpc: 5002, prefix: "PROJECT" },
  "version-control": {
    httpKey: "VERSION_CONTROL_HTTP_PORT",
    http: 4003,
    grpcKey: "VERSION_CONTROL_GRPC_PORT",
    grpc: 5003,
    prefix: "VERSION_CONTROL",
  },
  provider: {
    httpKey: "PROVIDER_HTTP_PORT",
    http: 4004,
    grpcKey: "PROVIDER_GRPC_PORT",
    grpc: 5004,
    prefix: "PROVIDER",
  },
  "ai-orchestrator": {
    httpKey: "ORCHESTRATOR_HTTP_PORT",
    http: 4005,
    grpcKey: "ORCHESTRATOR_GRPC_PORT",
    grpc: 5005,
    prefix: "ORCHESTRATOR",
  },
  analysis: {
    httpKey: "ANALYSIS_HTTP_PORT",
    http: 4006,
    grpcKey: "ANALYSIS_GRPC_PORT",
    grpc: 5006,
    prefix: "ANALYSIS",
  },
  comparison: { httpKey: "COMPARISON_HTTP_PORT", http: 4007, prefix: "COMPARISON" },
  gateway: { httpKey: "GATEWAY_PORT", http: 8080, prefix: "GATEWAY" },
};

export interface LoadedPart {
  name: PartName;
  module: PartModule;
  /** The part's own process entry, for split mode. */
  main: string;
}

/** Loads the parts that are built; a part not built yet is reported, not fatal. */
export async function loadParts(names: readonly PartName[], warn: (msg: string) => void): Promise<LoadedPart[]> {
  const loaded: LoadedPart[] = [];
  for (const { name, pkg } of PARTS) {
    if (!names.includes(name)) continue;
    try {
      const mod = (await import(`${pkg}/part`)) as { default: PartModule };
      const main = new URL("./main.js", import.meta.resolve(`${pkg}/part`)).pathname;
      loaded.push({ name, module: mod.default, main });
    } catch (err) {
      warn(`part ${name} is not available (${(err as Error).message.split("\n")[0]}); its routes answer 503`);
    }
  }
  return loaded;
}
