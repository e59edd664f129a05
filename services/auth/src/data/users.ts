import type { User } from "@crm/db";
import type { Db } from "./prisma.js";

export type UserRow = User;

/** Advisory lock serialising admin role/status changes (arbitrary constant, "auth" + 1). */
const ADMIN_LOCK_KEY = 0x61757401;
export type Role = "admin" | "member";

export interface UserCursor {
  createdAt: Date;
  id: string;
}

export type AccessUpdate = { outcome: "ok"; user: User } | { outcome: "not_found" | "last_admin" };

export interface UsersData {
  create(data: { email: string; name: string; passwordHash: string; role: Role }): Promise<User>;
  byId(id: string): Promise<User | null>;
  byEmail(email: string): Promise<User | null>;
  list(limit: number, after?: UserCursor): Promise<User[]>;
  setPasswordHash(id: string, passwordHash: string): Promise<User>;
  updateAccess(id: string, patch: { role?: Role; disabled?: boolean }): Promise<AccessUpdate>;
}

export function usersData(db: Db): UsersData {
  return {
    create: (data: { email: string; name: string; passwordHash: string; role: Role }) => db.user.create({ data }),

    byId: (id: string) => db.user.findUnique({ where: { id } }),

    byEmail: (email: string) => db.user.findUnique({ where: { email } }),

    /** Oldest first, keyset-paged on (createdAt, id); fetches `limit` rows. */
    list: (limit: number, after?: UserCursor) =>
      db.user.findMany({
        where: after
          ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] }
          : {},
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        take: limit,
      }),

    setPasswordHash: (id: string, passwordHash: string) => db.user.update({ where: { id }, data: { passwordHash } }),

    /**
     * Changes role and/or disabled, refusing to leave the system without an enabled admin. The
     * check and the write run under one advisory lock, so two admins demoting each other at the
     * same moment cannot both succeed.
     */
    updateAccess: (id: string, patch: { role?: Role; disabled?: boolean }) =>
      db.$transaction(async (tx): Promise<AccessUpdate> => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADMIN_LOCK_KEY})`;
        const before = await tx.user.findUnique({ where: { id } });
        if (!before) return { outcome: "not_found" };
        const stillAdmin = (patch.role ?? before.role) === "admin" && !(patch.disabled ?? before.disabled);
        if (before.role === "admin" && !before.disabled && !stillAdmin) {
          const others = await tx.user.count({ where: { role: "admin", disabled: false, id: { not: id } } });
          if (others === 0) return { outcome: "last_admin" };
        }
        return { outcome: "ok", user: await tx.user.update({ where: { id }, data: patch }) };
      }),
  };
}
