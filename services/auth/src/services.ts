import type { Logger, Redis } from "@crm/kit";
import { apiKeysData } from "./data/api-keys.js";
import type { Db } from "./data/prisma.js";
import { refreshTokensData } from "./data/refresh-tokens.js";
import { signingKeysData } from "./data/signing-keys.js";
import { usersData } from "./data/users.js";
import { ApiKeys } from "./domain/api-keys.js";
import { Lockout, type LockoutPolicy } from "./domain/lockout.js";
import { Keyring } from "./domain/signing-keys.js";
import { Tokens, type TokenSettings } from "./domain/tokens.js";
import { Users } from "./domain/users.js";

/** The auth service's use cases, wired to their stores. Routes and gRPC handlers use only these. */
export interface Services {
  users: Users;
  tokens: Tokens;
  apiKeys: ApiKeys;
  keyring: Keyring;
  /** Seconds a caller may cache an API key validation. */
  apiKeyCacheTtlSeconds: number;
  /** Creates/loads the signing key and starts background upkeep (key refresh, expired-token sweep). */
  start(): Promise<void>;
  stop(): void;
}

/** Expired refresh tokens are deleted this often (they are rejected either way; this bounds the table). */
const SWEEP_INTERVAL_MS = 3600_000;

export interface ServicesOptions {
  db: Db;
  redis: Redis;
  logger: Logger;
  tokens: TokenSettings;
  lockout: LockoutPolicy;
  signingKeyRotationHours: number;
  apiKeyCacheTtlSeconds: number;
}

export function createServices(opts: ServicesOptions): Services {
  const { db, logger } = opts;
  const users = usersData(db);
  const refreshTokens = refreshTokensData(db);
  const keyring = new Keyring({
    data: signingKeysData(db),
    accessTtlSeconds: opts.tokens.accessTtlSeconds,
    rotationHours: opts.signingKeyRotationHours,
    logger: logger.child({ component: "keyring" }),
  });
  const lockout = new Lockout(opts.redis, opts.lockout, logger.child({ component: "lockout" }));
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () =>
    refreshTokens
      .deleteExpired(new Date())
      .then(({ count }) => count > 0 && logger.debug({ count }, "expired refresh tokens deleted"))
      .catch((err: unknown) => logger.warn({ err }, "refresh token sweep failed"));
  return {
    async start() {
      await keyring.start();
      sweeper = setInterval(sweep, SWEEP_INTERVAL_MS);
      sweeper.unref();
    },
    stop() {
      keyring.stop();
      clearInterval(sweeper);
    },
    users: new Users(users, refreshTokens, logger),
    tokens: new Tokens({ users, refreshTokens, keyring, lockout, settings: opts.tokens, logger }),
    apiKeys: new ApiKeys(apiKeysData(db), logger),
    keyring,
    apiKeyCacheTtlSeconds: opts.apiKeyCacheTtlSeconds,
  };
}
