import type { PartKit } from "@crm/kit";

export interface Version {
  experimentId: string;
  version: number;
  configJson: string;
  configHash: string;
  projectId: string;
}

/** The version-control service over gRPC: review configs by version or label. */
export interface VersioningClient {
  getVersion(experimentId: string, version: number): Promise<Version>;
  resolveLabel(experimentId: string, label: string): Promise<Version>;
  health(): Promise<void>;
  close(): void;
}

export function versioningClient(kit: PartKit, address: string): VersioningClient {
  const client = kit.grpcClient({
    peer: "version-control",
    address,
    file: "crm/versioning/v1/versioning.proto",
    service: "crm.versioning.v1.VersionService",
    idempotent: ["GetVersion", "ResolveLabel"],
  });
  return {
    getVersion: (experimentId, version) => client.unary<Version>("GetVersion", { experimentId, version }),
    async resolveLabel(experimentId, label) {
      const res = await client.unary<{ version: Version }>("ResolveLabel", { experimentId, label });
      return res.version;
    },
    health: () => client.health(),
    close: () => client.close(),
  };
}
