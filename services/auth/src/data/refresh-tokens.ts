import type { RefreshToken } from "@crm/db";
import type { Db } from "./prisma.js";

export interface RefreshTokensData {
  create(data: { userId: string; familyId: string; tokenHash: string; expiresAt: Date }): Promise<RefreshToken>;
  byHash(tokenHash: string): Promise<RefreshToken | null>;
  spend(id: string, now: Date): Promise<boolean>;
  revokeFamily(familyId: string, now: Date): Promise<{ count: number }>;
  revokeAllOfUser(userId: string, now: Date): Promise<{ count: number }>;
  deleteExpired(before: Date): Promise<{ count: number }>;
}

export function refreshTokensData(db: Db): RefreshTokensData {
  return {
    create: (data: { userId: string; familyId: string; tokenHash: string; expiresAt: Date }) =>
      db.refreshToken.create({ data }),

    byHash: (tokenHash: string) => db.refreshToken.findUnique({ where: { tokenHash } }),

    /**
     * Marks a token used if, and only if, nobody used or revoked it yet: one atomic UPDATE, so of
     * two concurrent refreshes with the same token exactly one wins. Returns whether this call won.
     */
    spend: async (id: string, now: Date) => {
      const { count } = await db.refreshToken.updateMany({
        where: { id, usedAt: null, revokedAt: null },
        data: { usedAt: now },
      });
      return count === 1;
    },

    revokeFamily: (familyId: string, now: Date) =>
      db.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: now } }),

    revokeAllOfUser: (userId: string, now: Date) =>
      db.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: now } }),

    /** Housekeeping: rows past expiry are useless (an expired token is rejected either way). */
    deleteExpired: (before: Date) => db.refreshToken.deleteMany({ where: { expiresAt: { lt: before } } }),
  };
}
