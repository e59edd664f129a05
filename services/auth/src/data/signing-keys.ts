import type { SigningKey } from "@crm/db";
import type { Db } from "./prisma.js";

export type SigningKeyRow = SigningKey;

export interface NewSigningKey {
  kid: string;
  alg: string;
  publicJwk: object;
  privateJwk: object;
}

/** Advisory lock for key creation/rotation: replicas starting together create one key, not two. */
const KEYS_LOCK_KEY = 0x61757402;

export interface EnsureCurrentOptions {
  now: Date;
  shouldReplace: (current: SigningKeyRow) => boolean;
  generate: () => Promise<NewSigningKey>;
  notAfter: Date;
  pruneBefore: Date;
}

export interface SigningKeysData {
  published(now: Date): Promise<SigningKeyRow[]>;
  ensureCurrent(opts: EnsureCurrentOptions): Promise<SigningKeyRow | undefined>;
}

export function signingKeysData(db: Db): SigningKeysData {
  return {
    /** Keys that sign (retiredAt null) or still verify (notAfter in the future). */
    published: (now: Date) =>
      db.signingKey.findMany({
        where: { OR: [{ retiredAt: null }, { notAfter: { gt: now } }] },
        orderBy: { createdAt: "desc" },
      }),

    /**
     * Makes sure a current signing key exists, replacing it when `shouldReplace(current)` says so.
     * A replaced key is retired (stops signing) and stays published until `notAfter(now)`.
     * Everything happens in one transaction under an advisory lock, so concurrent callers see
     * each other's result instead of each minting a key. Returns the new key, if one was made.
     */
    ensureCurrent: (opts) =>
      db.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEYS_LOCK_KEY})`;
        const current = await tx.signingKey.findFirst({ where: { retiredAt: null }, orderBy: { createdAt: "desc" } });
        if (current && !opts.shouldReplace(current)) return undefined;
        await tx.signingKey.updateMany({
          where: { retiredAt: null },
          data: { retiredAt: opts.now, notAfter: opts.notAfter },
        });
        await tx.signingKey.deleteMany({ where: { notAfter: { lt: opts.pruneBefore } } });
        const key = await opts.generate();
        return tx.signingKey.create({ data: { ...key, createdAt: opts.now } });
      }),
  };
}
