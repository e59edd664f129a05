import { forbidden, notFound, type Identity } from "@crm/kit";
import type { ProjectClient } from "../clients/project.js";
import type { VersioningClient } from "../clients/versioning.js";

/**
 * Access follows the project (non-members get 404, members without the role 403) and, for an
 * experiment without a project, the version-control service's own rule (asked as the caller).
 */
export class Access {
  constructor(
    private readonly project: ProjectClient,
    private readonly versioning: VersioningClient,
  ) {}

  async forProject(identity: Identity, projectId: string, action: "read" | "write", what: string): Promise<void> {
    if (identity.role === "service") return;
    const answer = await this.project.checkAccess(identity.sub, projectId, action);
    if (answer.allowed) return;
    if (!answer.role) throw notFound(what);
    throw forbidden(`Your role in this project (${answer.role}) does not allow this`);
  }

  /** An A/B test: through its project, or else by whether the caller may read its experiment. */
  async experiment(
    identity: Identity,
    test: { projectId: string | null; experimentId: string; version: number },
    action: "read" | "write",
    what: string,
  ): Promise<void> {
    if (test.projectId) return this.forProject(identity, test.projectId, action, what);
    await this.versioning.getVersion(test.experimentId, test.version).catch((err: { status?: number }) => {
      throw err.status === 404 ? notFound(what) : err;
    });
  }
}
