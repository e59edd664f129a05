import type { PartKit } from "@crm/kit";

export interface Version {
  experimentId: string;
  version: number;
  projectId: string;
}

export interface ResolvedLabel {
  label: string;
  version: Version;
  revision: number;
}

/** The version-control service over gRPC: versions (access checks) and label moves (promotion). */
export interface VersioningClient {
  getVersion(experimentId: string, version: number): Promise<Version>;
  moveLabel(experimentId: string, label: string, version: number): Promise<ResolvedLabel>;
  health(): Promise<void>;
  close(): void;
}

export function versioningClient(kit: PartKit, address: string): VersioningClient {
  const client = kit.grpcClient({
    peer: "version-control",
    address,
    file: "crm/versioning/v1/versioning.proto",
    service: "crm.versioning.v1.VersionService",
    // Moving a label to the version it holds changes nothing, so MoveLabel may be retried too.
    idempotent: ["GetVersion", "ResolveLabel", "MoveLabel"],
  });
  return {
    getVersion: (experimentId, version) => client.unary<Version>("GetVersion", { experimentId, version }),
    moveLabel: (experimentId, label, version) =>
      client.unary<ResolvedLabel>("MoveLabel", { experimentId, label, version, expectedRevision: 0 }),
    health: () => client.health(),
    close: () => client.close(),
  };
}
