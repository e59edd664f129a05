import type { PartKit } from "@crm/kit";
import type { versioning } from "@crm/proto";

export type Version = versioning.Version__Output;

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
    getVersion: (experimentId, version) =>
      client.unary<Version>("GetVersion", { experimentId, version } satisfies versioning.GetVersionRequest),
    async resolveLabel(experimentId, label) {
      const req = { experimentId, label } satisfies versioning.ResolveLabelRequest;
      const res = await client.unary<versioning.ResolvedLabel__Output>("ResolveLabel", req);
      // Always set by the version-control service; a message field may be null on the wire.
      if (!res.version) throw new Error("ResolveLabel answered without a version");
      return res.version;
    },
    health: () => client.health(),
    close: () => client.close(),
  };
}
