import { createHash, randomBytes, randomUUID } from "node:crypto";
import { forbidden, unauthorized, type Logger } from "@crm/kit";
import { SignJWT } from "jose";
import type { RefreshTokensData } from "../data/refresh-tokens.js";
import type { UserRow, UsersData } from "../data/users.js";
import type { Lockout } from "./lockout.js";
import { dummyVerify, hashPassword, needsRehash, verifyPassword } from "./passwords.js";
import { JWT_ALG, type Keyring } from "./signing-keys.js";
import { normalizeEmail } from "./users.js";

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: "Bearer";
  /** Seconds until the access token expires. */
  expiresIn: number;
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
}

/** Opaque refresh tokens: 256 random bits; only their sha256 is stored. */
const REFRESH_PREFIX = "crm_rt_";
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** One answer for unknown e-mail and wrong password, so the response does not reveal accounts. */
const badCredentials = () => unauthorized("Invalid e-mail or password");
const badRefreshToken = () => unauthorized("Invalid or expired refresh token");
const disabledAccount = () => forbidden("This account is disabled");

export class Tokens {
  constructor(
    private readonly deps: {
      users: UsersData;
      refreshTokens: RefreshTokensData;
      keyring: Keyring;
      lockout: Lockout;
      settings: TokenSettings;
      logger: Logger;
    },
  ) {}

  /**
   * Password sign-in. Order matters: lockout first (no argon2 work for a locked account), then
   * the same argon2 verify whether or not the account exists, then the disabled check, which
   * only someone who knows the password ever sees (403).
   */
  async login(input: { email: string; password: string }, ip: string | undefined): Promise<TokenPair> {
    const { users, lockout, logger } = this.deps;
    const email = normalizeEmail(input.email);
    await lockout.check(email, ip);
    const user = await users.byEmail(email);
    const ok = user ? await verifyPassword(user.passwordHash, input.password) : await dummyVerify(input.password);
    if (!user || !ok) {
      await lockout.recordFailure(email, ip);
      logger.info({ known: Boolean(user) }, "login failed");
      throw badCredentials();
    }
    await lockout.recordSuccess(email);
    if (user.disabled) throw disabledAccount();
    if (needsRehash(user.passwordHash)) await users.setPasswordHash(user.id, await hashPassword(input.password));
    return this.issue(user, randomUUID());
  }

  /**
   * Refresh-token rotation with reuse detection: each token works once. Presenting one that was
   * already spent means it was copied (by an attacker or from a stolen backup), so the whole
   * family, including the newest token the legitimate client holds, is revoked.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const { users, refreshTokens, logger } = this.deps;
    const row = refreshToken.startsWith(REFRESH_PREFIX) ? await refreshTokens.byHash(sha256(refreshToken)) : null;
    if (!row || row.revokedAt) throw badRefreshToken();
    const now = new Date();
    const reused = async () => {
      await refreshTokens.revokeFamily(row.familyId, now);
      logger.warn({ userId: row.userId, familyId: row.familyId }, "refresh token reused: token family revoked");
      return badRefreshToken();
    };
    if (row.usedAt) throw await reused();
    if (row.expiresAt <= now) throw badRefreshToken();
    // Lost the race to a concurrent refresh with the same token: that is reuse too.
    if (!(await refreshTokens.spend(row.id, now))) throw await reused();
    const user = await users.byId(row.userId);
    if (!user) throw badRefreshToken();
    if (user.disabled) {
      await refreshTokens.revokeFamily(row.familyId, now);
      throw disabledAccount();
    }
    return this.issue(user, row.familyId);
  }

  /** Revokes the token's family. Unknown or already revoked tokens are fine: logout is idempotent. */
  async logout(refreshToken: string): Promise<void> {
    if (!refreshToken.startsWith(REFRESH_PREFIX)) return;
    const row = await this.deps.refreshTokens.byHash(sha256(refreshToken));
    if (row) await this.deps.refreshTokens.revokeFamily(row.familyId, new Date());
  }

  async accessToken(user: Pick<UserRow, "id" | "email" | "role">): Promise<string> {
    const { keyring, settings } = this.deps;
    const signer = await keyring.signer();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ role: user.role, email: user.email })
      .setProtectedHeader({ alg: JWT_ALG, kid: signer.kid, typ: "JWT" })
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setSubject(user.id)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + settings.accessTtlSeconds)
      .sign(signer.key);
  }

  private async issue(user: UserRow, familyId: string): Promise<TokenPair> {
    const { refreshTokens, settings } = this.deps;
    const refreshToken = REFRESH_PREFIX + randomBytes(32).toString("base64url");
    await refreshTokens.create({
      userId: user.id,
      familyId,
      tokenHash: sha256(refreshToken),
      expiresAt: new Date(Date.now() + settings.refreshTtlSeconds * 1000),
    });
    return {
      accessToken: await this.accessToken(user),
      refreshToken,
      tokenType: "Bearer",
      expiresIn: settings.accessTtlSeconds,
    };
  }
}
