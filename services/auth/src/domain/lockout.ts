import { createHash } from "node:crypto";
import { tooManyRequests, unavailable, type Logger, type Redis } from "@crm/kit";

export interface LockoutPolicy {
  accountMaxFailures: number;
  ipMaxFailures: number;
  windowSeconds: number;
}

/** INCR and, for the first failure of a window, start the window: atomically, in one round trip. */
const RECORD_FAILURE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * Brute-force protection for login: failed attempts are counted per account (e-mail) and per
 * client IP in a fixed window; once either count reaches its limit, further attempts get 429
 * with Retry-After until the window ends, even with the right password. A successful login
 * clears the account's count (not the IP's: one good account must not launder an IP that is
 * guessing others).
 *
 * Redis down: we FAIL CLOSED. Login answers 503 (naming redis) rather than letting attempts
 * through uncounted, because an attacker who can knock Redis over would otherwise get
 * unlimited guesses. Logins already issued keep working (refresh does not need Redis).
 */
export class Lockout {
  constructor(
    private readonly redis: Redis,
    private readonly policy: LockoutPolicy,
    private readonly logger: Logger,
  ) {}

  private keys(email: string, ip: string | undefined): { account: string; ip?: string } {
    // The e-mail is hashed so Redis holds no personal data (and no odd characters in keys).
    const account = `auth:lockout:acct:${createHash("sha256").update(email).digest("hex").slice(0, 32)}`;
    return ip ? { account, ip: `auth:lockout:ip:${ip}` } : { account };
  }

  /** Throws 429 while the account or the IP is locked out. */
  async check(email: string, ip: string | undefined): Promise<void> {
    const keys = this.keys(email, ip);
    const values = await this.run(async () => {
      const pipeline = this.redis.pipeline().get(keys.account).pttl(keys.account);
      if (keys.ip) pipeline.get(keys.ip).pttl(keys.ip);
      return ((await pipeline.exec()) ?? []).map(([err, v]) => {
        if (err) throw err;
        return v;
      });
    });
    const value = (i: number) => values[i];
    const locked = (countIdx: number, max: number) => Number(value(countIdx) ?? 0) >= max;
    const retryAfter = (ttlIdx: number) => Math.max(1, Math.ceil(Number(value(ttlIdx)) / 1000));
    if (locked(0, this.policy.accountMaxFailures)) throw this.locked("account", retryAfter(1));
    if (keys.ip && locked(2, this.policy.ipMaxFailures)) throw this.locked("client address", retryAfter(3));
  }

  async recordFailure(email: string, ip: string | undefined): Promise<void> {
    const keys = this.keys(email, ip);
    const windowMs = String(this.policy.windowSeconds * 1000);
    await this.run(() =>
      Promise.all([
        this.redis.eval(RECORD_FAILURE, 1, keys.account, windowMs),
        keys.ip ? this.redis.eval(RECORD_FAILURE, 1, keys.ip, windowMs) : undefined,
      ]),
    );
  }

  async recordSuccess(email: string): Promise<void> {
    await this.run(() => this.redis.del(this.keys(email, undefined).account));
  }

  private locked(what: string, retryAfter: number) {
    this.logger.warn({ scope: what, retryAfter }, "login locked out after repeated failures");
    return tooManyRequests(`Too many failed sign-in attempts for this ${what}; try again later`, retryAfter);
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, "lockout store unavailable; refusing logins");
      throw unavailable("redis", "Sign-in is temporarily unavailable");
    }
  }
}
