import type { PartKit } from "@crm/kit";

export interface AccessAnswer {
  allowed: boolean;
  role: string;
  projectExists: boolean;
}

/** The project service over gRPC: membership checks. */
export interface ProjectClient {
  checkAccess(userId: string, projectId: string, action: "read" | "write"): Promise<AccessAnswer>;
  health(): Promise<void>;
  close(): void;
}

export function projectClient(kit: PartKit, address: string): ProjectClient {
  const client = kit.grpcClient({
    peer: "project",
    address,
    file: "crm/project/v1/project.proto",
    service: "crm.project.v1.ProjectService",
    idempotent: ["CheckAccess"],
  });
  return {
    checkAccess: (userId, projectId, action) =>
      client.unary<AccessAnswer>("CheckAccess", { userId, projectId, action }),
    health: () => client.health(),
    close: () => client.close(),
  };
}
