import type { PartKit } from "@crm/kit";

export type ProjectAction = "read" | "write" | "delete" | "manage_members";

export interface AccessAnswer {
  allowed: boolean;
  /** "viewer" | "editor" | "owner", or "" for a non-member or a missing project. */
  role: string;
  projectExists: boolean;
}

export interface ProjectClient {
  checkAccess(userId: string, projectId: string, action: ProjectAction): Promise<AccessAnswer>;
  /** Projects the user belongs to. */
  memberships(userId: string): Promise<{ projectId: string; role: string }[]>;
  health(): Promise<void>;
  close(): void;
}

/**
 * The project service over gRPC through the kit client: deadline, retries of these idempotent
 * reads, and a breaker, so a dead project service costs callers milliseconds (503 naming
 * "project") and is tried again by itself after `breakerResetMs`.
 */
export function createProjectClient(
  kit: PartKit,
  options: { address: string; timeoutMs: number; breakerResetMs: number },
): ProjectClient {
  const client = kit.grpcClient({
    peer: "project",
    address: options.address,
    file: "crm/project/v1/project.proto",
    service: "crm.project.v1.ProjectService",
    timeoutMs: options.timeoutMs,
    idempotent: ["CheckAccess", "ListUserProjects"],
    breaker: { resetTimeoutMs: options.breakerResetMs },
  });
  return {
    checkAccess: (userId, projectId, action) =>
      client.unary<AccessAnswer>("CheckAccess", { userId, projectId, action }),
    memberships: async (userId) =>
      (await client.unary<{ projects: { projectId: string; role: string }[] }>("ListUserProjects", { userId }))
        .projects,
    health: () => client.health(),
    close: () => client.close(),
  };
}
