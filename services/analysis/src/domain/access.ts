import { forbidden, notFound, type Identity } from "@crm/kit";
import type { Action, ProjectClient } from "../clients/project.js";

/**
 * May this caller do `action` on the project? Non-members (and callers of a project that does
 * not exist) get the same 404 as an unknown `what`, so ids do not leak; members without the
 * right role get 403. Mesh services (background work, peers acting for a user) are trusted.
 */
export async function assertProjectAccess(
  project: ProjectClient,
  identity: Identity,
  projectId: string,
  action: Action,
  what = "Project",
): Promise<void> {
  if (identity.role === "service") return;
  const answer = await project.checkAccess(identity.sub, projectId, action);
  if (answer.allowed) return;
  if (!answer.role) throw notFound(what);
  throw forbidden(`Your role in this project (${answer.role}) does not allow this`);
}
