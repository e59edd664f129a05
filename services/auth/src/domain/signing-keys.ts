import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import type { Logger } from "@crm/kit";
import type { NewSigningKey, SigningKeyRow, SigningKeysData } from "../data/signing-keys.js";

/** Ed25519 signatures: small, fast, no parameter choices to get wrong. The gateway pins it. */
export const JWT_ALG = "EdDSA";

/** How often a replica re-reads the current key and checks whether rotation is due. */
const REFRESH_MS = 60_000;
/**
 * A replica may keep signing with a key another replica just retired until its next refresh,
 * and verifiers allow some clock skew; the retired key stays published that much longer than
 * the access token lifetime.
 */
const GRACE_MS = REFRESH_MS + 60_000;
/** Keys past notAfter are deleted a day later (kept briefly for forensics). */
const PRUNE_AFTER_MS = 24 * 3600_000;
/** JWKS answers are reused this long; clients cache longer still (Cache-Control). */
const JWKS_MEMO_MS = 5_000;

export interface PublicJwk extends JWK {
  kid: string;
  alg: string;
  use: "sig";
}

export interface Signer {
  kid: string;
  key: CryptoKey;
}

export interface KeyringOptions {
  data: SigningKeysData;
  accessTtlSeconds: number;
  rotationHours: number;
  logger: Logger;
}

async function generate(): Promise<NewSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(JWT_ALG, { crv: "Ed25519", extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  // RFC 7638 thumbprint: unique per key, and anyone can recompute it from the public key.
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, alg: JWT_ALG, publicJwk, privateJwk };
}

function toPublic(row: SigningKeyRow): PublicJwk {
  const { kty, crv, x, n, e, y } = row.publicJwk as JWK;
  const material = Object.fromEntries(Object.entries({ crv, x, y, n, e }).filter(([, v]) => v !== undefined));
  return { kty, ...material, kid: row.kid, alg: row.alg, use: "sig" };
}

/**
 * The JWT signing keys, kept in the database so every replica signs with the same key and
 * publishes the same JWKS. The newest unretired key signs; rotation retires it (it keeps
 * verifying until its last token has expired) and creates a new one.
 */
export class Keyring {
  private current: (Signer & { createdAt: Date }) | undefined;
  private jwksMemo: { at: number; keys: PublicJwk[] } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: KeyringOptions) {}

  /** Creates the first key if there is none (or rotates an overdue one), then refreshes every minute. */
  async start(): Promise<void> {
    await this.ensure(false);
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) => this.opts.logger.warn({ err }, "signing key refresh failed"));
    }, REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Retires the current key now and starts signing with a new one. */
  async rotate(now = new Date()): Promise<{ kid: string }> {
    await this.ensure(true, now);
    return { kid: this.current!.kid };
  }

  async signer(): Promise<Signer> {
    if (!this.current) await this.load();
    return this.current!;
  }

  /** Public keys only: every key that signs or may still have live tokens. */
  async jwks(now = new Date()): Promise<PublicJwk[]> {
    if (this.jwksMemo && Date.now() - this.jwksMemo.at < JWKS_MEMO_MS) return this.jwksMemo.keys;
    const keys = (await this.opts.data.published(now)).map(toPublic);
    this.jwksMemo = { at: Date.now(), keys };
    return keys;
  }

  private async tick(): Promise<void> {
    const due = this.current && this.isDue(this.current.createdAt, new Date());
    if (due) await this.ensure(false);
    else await this.load();
  }

  private isDue(createdAt: Date, now: Date): boolean {
    return now.getTime() - createdAt.getTime() >= this.opts.rotationHours * 3600_000;
  }

  private async ensure(force: boolean, now = new Date()): Promise<void> {
    const created = await this.opts.data.ensureCurrent({
      now,
      shouldReplace: (key) => force || this.isDue(key.createdAt, now),
      generate,
      notAfter: new Date(now.getTime() + this.opts.accessTtlSeconds * 1000 + GRACE_MS),
      pruneBefore: new Date(now.getTime() - PRUNE_AFTER_MS),
    });
    if (created) this.opts.logger.info({ kid: created.kid, alg: created.alg }, "signing key created");
    await this.load(now);
  }

  /** Re-reads the signing key (another replica may have rotated it). */
  private async load(now = new Date()): Promise<void> {
    const rows = await this.opts.data.published(now);
    const active = rows.find((r) => r.retiredAt === null);
    if (!active) throw new Error("no active signing key; the keyring was not started");
    this.jwksMemo = { at: Date.now(), keys: rows.map(toPublic) };
    if (this.current?.kid === active.kid) return;
    const key = (await importJWK(active.privateJwk as JWK, active.alg)) as CryptoKey;
    this.current = { kid: active.kid, key, createdAt: active.createdAt };
  }
}
