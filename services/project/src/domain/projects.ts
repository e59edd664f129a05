import { badRequest, type Identity } from "@crm/kit";
import type { AuthClient } from "../clients/auth.js";
import type { ProjectStore } from "../data/projects.js";
import { authorize, isUuid, type Action, type Role } from "./access.js";

/** Project and membership use cases. Every call states the action it needs; see access.ts. */
export class Projects {
  constructor(
    private readonly store: ProjectStore,
    private readonly auth: AuthClient,
  ) {}

  /** The caller's role after checking it may do `action` (404 for outsiders, 403 for too small a role). */
  async access(projectId: string, userId: string, action: Action): Promise<Role> {
    const role = isUuid(projectId) ? await this.store.roleOf(projectId, userId) : undefined;
    return authorize(role, action);
  }

  async exists(projectId: string): Promise<boolean> {
    return isUuid(projectId) && this.store.exists(projectId);
  }

  async create(caller: Identity, input: { name: string; description?: string | null | undefined }) {
    const project = await this.store.create({
      name: input.name,
      description: input.description ?? null,
      ownerId: caller.sub,
      ownerEmail: caller.email ?? null,
    });
    return { ...project, role: "owner" as Role };
  }

  /** Projects the caller belongs to, newest first (limit + 1 rows for paging). */
  async list(caller: Identity, limit: number, after?: { createdAt: string; id: string }) {
    return this.store.listForUser(caller.sub, limit, after);
  }

  async get(caller: Identity, projectId: string) {
    const role = await this.access(projectId, caller.sub, "read");
    const project = await this.store.get(projectId);
    if (!project) return authorize(undefined, "read") as never;
    return { ...project, role };
  }

  async update(caller: Identity, projectId: string, patch: { name?: string; description?: string | null }) {
    const role = await this.access(projectId, caller.sub, "write");
    return { ...(await this.store.update(projectId, patch)), role };
  }

  async delete(caller: Identity, projectId: string): Promise<void> {
    await this.access(projectId, caller.sub, "delete");
    await this.store.delete(projectId);
  }

  async listMembers(caller: Identity, projectId: string, limit: number, after?: string) {
    await this.access(projectId, caller.sub, "read");
    return this.store.listMembers(projectId, limit, after);
  }

  /** Adds a member by e-mail (looked up in the auth service) or changes the role of an existing one. */
  async addMember(caller: Identity, projectId: string, input: { email: string; role: Role }) {
    await this.access(projectId, caller.sub, "manage_members");
    const user = await this.auth.userByEmail(input.email);
    if (user.disabled) throw badRequest(`The account ${input.email} is disabled`);
    const result = await this.store.setMember({
      projectId,
      userId: user.id,
      role: input.role,
      email: user.email,
      addedBy: caller.sub,
    });
    return { ...result, name: user.name };
  }

  async changeRole(caller: Identity, projectId: string, userId: string, role: Role) {
    await this.access(projectId, caller.sub, "manage_members");
    const { member } = await this.store.setMember({ projectId, userId, role, addedBy: caller.sub, mustExist: true });
    return member;
  }

  /** Owners remove anyone; any member may leave. The last owner can do neither to themselves. */
  async removeMember(caller: Identity, projectId: string, userId: string): Promise<void> {
    await this.access(projectId, caller.sub, userId === caller.sub ? "read" : "manage_members");
    await this.store.removeMember(projectId, userId);
  }
}
