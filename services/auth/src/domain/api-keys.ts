import { createHash, randomBytes } from "node:crypto";
import { decodeCursor, notFound, toPage, type Logger, type Page } from "@crm/kit";
import { z } from "zod";
import type { ApiKeysData } from "../data/api-keys.js";
import { isUniqueViolation, isUuid } from "../data/prisma.js";
import type { UserRow } from "../data/users.js";

/**
 * API keys: `crm_` + 43 base64url characters (256 random bits). A key that random needs no slow
 * hash: sha256 is enough to make the stored value useless to a database thief, and lets a
 * key be found by an indexed lookup. The prefix (first 12 characters) is shown so users can
 * tell their keys apart.
 */
const KEY_PATTERN = /^crm_[A-Za-z0-9_-]{43}$/;
const PREFIX_LENGTH = 12;
/** lastUsedAt is written at most this often per key. */
const TOUCH_INTERVAL_MS = 60_000;

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export type Validation = { valid: false } | { valid: true; keyId: string; user: UserRow };

const keyCursor = z.object({ c: z.iso.datetime(), i: z.uuid() });

export class ApiKeys {
  constructor(
    private readonly data: ApiKeysData,
    private readonly logger: Logger,
  ) {}

  /** The only time the key itself leaves the service. */
  async create(userId: string, name: string): Promise<ApiKeyView & { key: string }> {
    for (let attempt = 0; ; attempt++) {
      const key = `crm_${randomBytes(32).toString("base64url")}`;
      try {
        const row = await this.data.create({ userId, name, prefix: key.slice(0, PREFIX_LENGTH), keyHash: sha256(key) });
        this.logger.info({ userId, keyId: row.id }, "api key created");
        return { ...toView(row), key };
      } catch (err) {
        // 48 random bits of prefix collide about never; retry if they do rather than fail.
        if (!isUniqueViolation(err) || attempt >= 2) throw err;
      }
    }
  }

  async list(userId: string, limit: number, cursor: string | undefined): Promise<Page<ApiKeyView>> {
    const after = decodeCursor(cursor, keyCursor);
    const rows = await this.data.listActive(userId, limit + 1, after && { createdAt: new Date(after.c), id: after.i });
    return toPage(rows.map(toView), limit, (k) => ({ c: k.createdAt, i: k.id }));
  }

  /** Revokes one of the caller's keys; someone else's key is "not found". Idempotent. */
  async revoke(userId: string, id: string): Promise<void> {
    const key = isUuid(id) ? await this.data.byIdOfUser(id, userId) : null;
    if (!key) throw notFound("API key");
    await this.data.revoke(id, new Date());
    this.logger.info({ userId, keyId: id }, "api key revoked");
  }

  /** Valid when the key exists, is not revoked and its owner is not disabled. */
  async validate(key: string): Promise<Validation> {
    if (!KEY_PATTERN.test(key)) return { valid: false };
    const row = await this.data.byHashWithUser(sha256(key));
    if (!row || row.revokedAt || row.user.disabled) return { valid: false };
    const now = new Date();
    await this.data.touch(row.id, now, TOUCH_INTERVAL_MS);
    return { valid: true, keyId: row.id, user: row.user };
  }
}

function toView(row: {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}
