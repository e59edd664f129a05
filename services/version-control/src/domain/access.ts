import { forbidden, notFound, type Identity } from "@crm/kit";
import type { Experiment } from "@crm/db";
import type { ProjectClient } from "../clients/project.js";

export type Need = "read" | "write";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === "string" && UUID.test(v);

/**
 * Who may see and change an experiment. Tied to a project: what the project service says about
 * the caller's membership (read = viewer, write = editor); someone outside the project gets 404,
 * a viewer who tries to write 403. Not tied to a project: only its creator. A `service` identity
 * (a mesh peer's background work) may read everything.
 */
export class ExperimentAccess {
  constructor(private readonly projects: ProjectClient) {}

  async check(caller: Identity, experiment: Pick<Experiment, "projectId" | "createdBy">, need: Need): Promise<void> {
    if (caller.role === "service" && need === "read") return;
    if (!experiment.projectId) {
      if (experiment.createdBy !== caller.sub) throw notFound("Experiment");
      return;
    }
    const answer = await this.projects.checkAccess(caller.sub, experiment.projectId, need);
    if (answer.allowed) return;
    if (!answer.role) throw notFound("Experiment");
    throw forbidden(`Your role in the experiment's project (${answer.role}) cannot change it; editors and owners can`);
  }

  /** Creating an experiment in a project needs write access to it. */
  async checkProject(caller: Identity, projectId: string): Promise<void> {
    const answer = isUuid(projectId)
      ? await this.projects.checkAccess(caller.sub, projectId, "write")
      : { allowed: false, role: "", projectExists: false };
    if (answer.allowed) return;
    if (!answer.role) throw notFound("Project");
    throw forbidden(`Your role in the project (${answer.role}) cannot create experiments; editors and owners can`);
  }

  memberships(caller: Identity) {
    return this.projects.memberships(caller.sub);
  }
}
