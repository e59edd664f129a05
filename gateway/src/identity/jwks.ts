import type { Logger } from "@crm/kit";
import { errors, importJWK, type CryptoKey, type JWK, type JWTHeaderParameters } from "jose";

interface Entry {
  key: CryptoKey | Uint8Array;
  alg: string;
}

/** OKP/EC curves → the one algorithm each may sign with (no RSA, no HMAC: pinned asymmetric). */
const ALG_FOR: Record<string, string> = { Ed25519: "EdDSA", "P-256": "ES256", "P-384": "ES384" };

export interface JwksStoreOptions {
  url: string;
  algorithms: string[];
  refreshMs: number;
  refetchCooldownMs: number;
  timeoutMs?: number;
  logger: Logger;
}

const FIRST_LOAD_RETRY_MS = 500;

/**
 * Auth's signing keys, fetched from its JWKS and imported once into crypto keys by kid. A
 * background refresh follows rotations; a token with an unknown kid triggers one refetch, at
 * most once per cooldown; a failed fetch keeps the keys already known (auth being down must not
 * invalidate tokens that verify).
 */
export class JwksStore {
  private keys = new Map<string, Entry>();
  private loadedAt = 0;
  private lastAttempt = 0;
  private pending: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private stopped = false;
  private readonly algorithms: Set<string>;

  constructor(private readonly opts: JwksStoreOptions) {
    this.algorithms = new Set(opts.algorithms);
  }

  /**
   * Loads in the background and keeps refreshing; never throws. Until the first load succeeds
   * (auth may start after the gateway, as in split mode or a fresh deployment) it retries every
   * half second instead of waiting for the next refresh period.
   */
  start(): void {
    const firstLoad = () =>
      void this.refresh().catch(() => {
        if (!this.loaded && !this.stopped) setTimeout(firstLoad, FIRST_LOAD_RETRY_MS).unref();
      });
    firstLoad();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.opts.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  get loaded(): boolean {
    return this.loadedAt > 0;
  }

  get size(): number {
    return this.keys.size;
  }

  /** Fetches the JWKS now (single flight). Throws when the fetch fails. */
  refresh(): Promise<void> {
    this.pending ??= this.fetchKeys().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetchKeys(): Promise<void> {
    this.lastAttempt = Date.now();
    try {
      const res = await fetch(this.opts.url, {
        headers: { accept: "application/json" },
        redirect: "error",
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 2000),
      });
      if (res.status !== 200) throw new Error(`JWKS answered ${res.status}`);
      const body = (await res.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error("JWKS has no keys array");
      const next = new Map<string, Entry>();
      for (const jwk of body.keys as JWK[]) {
        const entry = await this.importKey(jwk);
        if (entry && jwk.kid) next.set(jwk.kid, entry);
      }
      const added = [...next.keys()].filter((kid) => !this.keys.has(kid));
      this.keys = next;
      this.loadedAt = Date.now();
      if (added.length || this.failing) this.opts.logger.info({ kids: added, keys: next.size }, "JWKS loaded");
      this.failing = false;
    } catch (err) {
      // Warn when it starts failing; repeats (readiness probes, refreshes) go to debug.
      const line = { err: { message: (err as Error).message }, url: this.opts.url, keysKept: this.keys.size };
      if (this.failing) this.opts.logger.debug(line, "JWKS fetch failed");
      else this.opts.logger.warn(line, "JWKS fetch failed");
      this.failing = true;
      throw err;
    }
  }

  private async importKey(jwk: JWK): Promise<Entry | undefined> {
    if (!jwk.kid || (jwk.use && jwk.use !== "sig") || "d" in jwk) return undefined;
    const alg = jwk.alg ?? (jwk.crv ? ALG_FOR[jwk.crv] : undefined);
    if (!alg || !this.algorithms.has(alg)) return undefined;
    if (jwk.crv && ALG_FOR[jwk.crv] !== alg) return undefined;
    try {
      return { key: await importJWK(jwk, alg), alg };
    } catch {
      return undefined;
    }
  }

  /** jose's key resolver: the key for the token's kid, pinned to the algorithm it was published with. */
  readonly getKey = async (header: JWTHeaderParameters): Promise<CryptoKey | Uint8Array> => {
    if (!this.algorithms.has(header.alg))
      throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header value not allowed');
    const kid = header.kid;
    if (typeof kid !== "string" || !kid) throw new errors.JWKSNoMatchingKey("token has no kid");
    let entry = this.keys.get(kid);
    if (!entry && Date.now() - this.lastAttempt >= this.opts.refetchCooldownMs) {
      // A rotation may have happened since the last refresh: one refetch, rate-limited.
      await this.refresh().catch(() => undefined);
      entry = this.keys.get(kid);
    }
    if (!entry) throw new errors.JWKSNoMatchingKey();
    if (entry.alg !== header.alg) throw new errors.JOSEAlgNotAllowed("token alg does not match its key");
    return entry.key;
  };
}
