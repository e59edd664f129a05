import { forbidden, notFound } from "@crm/kit";

export const ROLES = ["viewer", "editor", "owner"] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = ["read", "write", "delete", "manage_members"] as const;
export type Action = (typeof ACTIONS)[number];

const RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };

/** The least role that may do each action. */
const NEEDS: Record<Action, Role> = { read: "viewer", write: "editor", delete: "owner", manage_members: "owner" };

const DENIED: Record<Action, string> = {
  read: "You cannot read this project",
  write: "Viewers cannot change this project; ask an owner for the editor role",
  delete: "Only an owner may delete this project",
  manage_members: "Only an owner may manage this project's members",
};

export function allows(role: Role | undefined, action: Action): boolean {
  return role !== undefined && RANK[role] >= RANK[NEEDS[action]];
}

/**
 * The access rule of every route under a project: a non-member learns nothing (404, as if the
 * project did not exist, so ids do not leak); a member without the needed role gets 403.
 */
export function authorize(role: Role | undefined, action: Action): Role {
  if (role === undefined) throw notFound("Project");
  if (!allows(role, action)) throw forbidden(DENIED[action]);
  return role;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs in this service; anything else cannot name a row, so it is simply not found. */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}
