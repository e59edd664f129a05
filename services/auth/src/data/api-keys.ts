import type { ApiKey, User } from "@crm/db";
import type { Db } from "./prisma.js";

export interface ApiKeyCursor {
  createdAt: Date;
  id: string;
}

export interface ApiKeysData {
  create(data: { userId: string; name: string; prefix: string; keyHash: string }): Promise<ApiKey>;
  byHashWithUser(keyHash: string): Promise<(ApiKey & { user: User }) | null>;
  listActive(userId: string, limit: number, after?: ApiKeyCursor): Promise<ApiKey[]>;
  byIdOfUser(id: string, userId: string): Promise<ApiKey | null>;
  revoke(id: string, now: Date): Promise<{ count: number }>;
  touch(id: string, now: Date, intervalMs: number): Promise<{ count: number }>;
}

export function apiKeysData(db: Db): ApiKeysData {
  return {
    create: (data: { userId: string; name: string; prefix: string; keyHash: string }) => db.apiKey.create({ data }),

    /** The key and its owner, for validation. */
    byHashWithUser: (keyHash: string) => db.apiKey.findUnique({ where: { keyHash }, include: { user: true } }),

    /** A user's keys that still work, newest first, keyset-paged. */
    listActive: (userId: string, limit: number, after?: ApiKeyCursor) =>
      db.apiKey.findMany({
        where: {
          userId,
          revokedAt: null,
          ...(after
            ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
            : {}),
        },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: limit,
      }),

    byIdOfUser: (id: string, userId: string) => db.apiKey.findFirst({ where: { id, userId } }),

    revoke: (id: string, now: Date) =>
      db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } }),

    /** Records use, at most once per `intervalMs`: a hot key does not write on every request. */
    touch: (id: string, now: Date, intervalMs: number) =>
      db.apiKey.updateMany({
        where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - intervalMs) } }] },
        data: { lastUsedAt: now },
      }),
  };
}
