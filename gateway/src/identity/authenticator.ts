import { HttpError, signIdentity, unauthorized, unavailable, type GrpcClient, type Identity } from "@crm/kit";
import { errors, jwtVerify } from "jose";
import { LRUCache } from "lru-cache";
import type { JwksStore } from "./jwks.js";

export interface Caller {
  identity: Identity;
  /** Rate-limit bucket: the user, or the client IP when anonymous. */
  bucket: string;
  /** The signed x-mesh-identity assertion to forward. */
  assertion: string;
}

export interface AuthenticatorOptions {
  meshSecret: string;
  jwks: JwksStore;
  authClient: GrpcClient;
  issuer: string;
  audience: string;
  algorithms: string[];
  clockToleranceSeconds: number;
  tokenCacheSize: number;
  apiKeyCacheTtlMs: number;
  apiKeyNegativeTtlMs: number;
  apiKeyCacheSize: number;
  onApiKeyError?: (err: unknown) => void;
}

/** Assertions live 5 minutes and are re-signed when less than 1 is left. */
const ASSERTION_TTL_S = 300;
const ASSERTION_RENEW_MS = 60_000;

interface Verified {
  identity: Omit<Identity, "ip">;
  /** Epoch ms until which the credential may be reused from cache. */
  until: number;
  /** Last assertion signed for this credential (per client IP). */
  signed?: { ip: string; assertion: string; renewAt: number };
}

interface Rejected {
  rejected: HttpError;
  until: number;
}

type CacheEntry = Verified | Rejected;

const ROLES = new Set(["admin", "member"]);
const API_KEY = /^crm_[A-Za-z0-9_-]{10,200}$/;

/**
 * Turns the client's credentials into a verified caller: access tokens are checked locally
 * against auth's JWKS, API keys over gRPC; both answers are cached (tokens until their exp, API
 * keys briefly) together with the signed assertion, so the hot path is a map lookup.
 */
export class Authenticator {
  private readonly tokens: LRUCache<string, Verified>;
  private readonly apiKeys: LRUCache<string, CacheEntry>;
  private readonly inflight = new Map<string, Promise<CacheEntry>>();
  private readonly algorithms: string[];

  constructor(private readonly opts: AuthenticatorOptions) {
    this.tokens = new LRUCache({ max: Math.max(1, opts.tokenCacheSize) });
    this.apiKeys = new LRUCache({ max: Math.max(1, opts.apiKeyCacheSize) });
    this.algorithms = opts.algorithms;
  }

  /**
   * The caller, synchronously, when the credential is a well-formed one whose verification is
   * cached and still valid (the hot path); undefined when `authenticate` must decide.
   */
  cached(authorization: string | undefined, apiKeyHeader: string | undefined, ip: string): Caller | undefined {
    let credential: string;
    if (authorization !== undefined) {
      if (authorization.length < 8 || authorization.slice(0, 7).toLowerCase() !== "bearer ") return undefined;
      credential = authorization.slice(7).trim();
    } else if (apiKeyHeader !== undefined) {
      credential = apiKeyHeader.trim();
    } else return undefined;
    const now = Date.now();
    let verified: Verified | undefined;
    if (credential.startsWith("crm_")) {
      const entry = this.apiKeys.get(credential);
      if (!entry || entry.until <= now || "rejected" in entry) return undefined;
      verified = entry;
    } else {
      verified = this.tokens.get(credential);
      if (!verified || verified.until <= now) return undefined;
    }
    return {
      identity: { ...verified.identity, ip },
      bucket: `u:${verified.identity.sub}`,
      assertion: this.assert(verified, ip),
    };
  }

  /** Resolves the caller or throws a 401 (bad credentials) / 503 (auth unreachable). */
  async authenticate(authorization: string | undefined, apiKeyHeader: string | undefined, ip: string): Promise<Caller> {
    let credential: string | undefined;
    if (authorization !== undefined) {
      const space = authorization.indexOf(" ");
      const scheme = space > 0 ? authorization.slice(0, space) : authorization;
      if (scheme.toLowerCase() !== "bearer") throw unauthorized("Authorization must use the Bearer scheme");
      credential = authorization.slice(space + 1).trim();
      if (!credential) throw unauthorized("Empty bearer credential");
    } else if (apiKeyHeader !== undefined) {
      credential = apiKeyHeader.trim();
      if (!credential) throw unauthorized("Empty API key");
      if (!credential.startsWith("crm_")) throw unauthorized("Invalid API key");
    }
    if (credential === undefined) return this.anonymous(ip);
    const verified = credential.startsWith("crm_") ? await this.apiKey(credential) : await this.token(credential);
    return {
      identity: { ...verified.identity, ip },
      bucket: `u:${verified.identity.sub}`,
      assertion: this.assert(verified, ip),
    };
  }

  anonymous(ip: string): Caller {
    return {
      identity: { sub: "anonymous", role: "anonymous", via: "anonymous", ip },
      bucket: `ip:${ip}`,
      // Not cached per IP: an HMAC costs about a microsecond, a cache per client IP costs memory.
      assertion: signIdentity(
        this.opts.meshSecret,
        { sub: "anonymous", role: "anonymous", via: "anonymous", ip },
        ASSERTION_TTL_S,
      ),
    };
  }

  private assert(verified: Verified, ip: string): string {
    const now = Date.now();
    const s = verified.signed;
    if (s && s.ip === ip && s.renewAt > now) return s.assertion;
    // The assertion only has to outlive the request it rides on; the cache entry's own expiry
    // (token exp, API key TTL) decides whether the credential is still good.
    const assertion = signIdentity(this.opts.meshSecret, { ...verified.identity, ip }, ASSERTION_TTL_S);
    verified.signed = { ip, assertion, renewAt: now + ASSERTION_TTL_S * 1000 - ASSERTION_RENEW_MS };
    return assertion;
  }

  private async token(token: string): Promise<Verified> {
    const cached = this.tokens.get(token);
    const now = Date.now();
    if (cached && cached.until > now) return cached;
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.opts.jwks.getKey, {
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        algorithms: this.algorithms,
        clockTolerance: this.opts.clockToleranceSeconds,
        requiredClaims: ["exp", "sub"],
      }));
    } catch (err) {
      throw this.tokenError(err);
    }
    const { sub, role, email, exp } = payload as { sub?: unknown; role?: unknown; email?: unknown; exp: number };
    if (typeof sub !== "string" || !sub || typeof role !== "string" || !ROLES.has(role)) {
      throw unauthorized("Access token lacks a valid subject or role");
    }
    const verified: Verified = {
      identity: {
        sub,
        role: role as Identity["role"],
        via: "token",
        ...(typeof email === "string" ? { email } : {}),
      },
      until: exp * 1000,
    };
    const ttl = verified.until - now;
    if (ttl > 0) this.tokens.set(token, verified, { ttl });
    return verified;
  }

  private tokenError(err: unknown): HttpError {
    if (err instanceof HttpError) return err;
    if (err instanceof errors.JWTExpired) return unauthorized("Access token expired");
    if (err instanceof errors.JWTClaimValidationFailed)
      return unauthorized(`Access token rejected: ${err.claim} claim`);
    if (err instanceof errors.JWKSNoMatchingKey) {
      // Unknown kid, or no keys at all because auth has not been reachable yet.
      if (!this.opts.jwks.loaded) return unavailable("auth", "Signing keys of 'auth' are not available yet");
      return unauthorized("Access token signed with an unknown key");
    }
    return unauthorized("Invalid access token");
  }

  private async apiKey(key: string): Promise<Verified> {
    if (!API_KEY.test(key)) throw unauthorized("Invalid API key");
    const now = Date.now();
    let entry = this.apiKeys.get(key);
    if (!entry || entry.until <= now) {
      let pending = this.inflight.get(key);
      if (!pending) {
        pending = this.lookupApiKey(key).finally(() => this.inflight.delete(key));
        this.inflight.set(key, pending);
      }
      entry = await pending;
    }
    if ("rejected" in entry) throw entry.rejected;
    return entry;
  }

  private async lookupApiKey(key: string): Promise<CacheEntry> {
    const { apiKeyCacheTtlMs, apiKeyNegativeTtlMs } = this.opts;
    let res: {
      valid: boolean;
      user?: { id: string; email: string; role: string; disabled: boolean };
      cacheTtlSeconds?: number;
    };
    try {
      res = await this.opts.authClient.unary("ValidateApiKey", { key });
    } catch (err) {
      this.opts.onApiKeyError?.(err);
      const status = (err as { status?: number }).status;
      if (status === 401 || status === 404 || status === 400) {
        return this.remember(key, {
          rejected: unauthorized("Invalid API key"),
          until: Date.now() + apiKeyNegativeTtlMs,
        });
      }
      // Auth unreachable: not the caller's fault, and not cached.
      throw status === 503 || status === 504 ? (err as HttpError) : unavailable("auth");
    }
    const authTtlMs = res.cacheTtlSeconds && res.cacheTtlSeconds > 0 ? res.cacheTtlSeconds * 1000 : Infinity;
    const user = res.user;
    if (!res.valid || !user || user.disabled || !ROLES.has(user.role)) {
      return this.remember(key, {
        rejected: unauthorized("Invalid API key"),
        until: Date.now() + Math.min(apiKeyNegativeTtlMs, authTtlMs),
      });
    }
    return this.remember(key, {
      identity: {
        sub: user.id,
        role: user.role as Identity["role"],
        via: "apikey",
        ...(user.email ? { email: user.email } : {}),
      },
      until: Date.now() + Math.min(apiKeyCacheTtlMs, authTtlMs),
    });
  }

  private remember(key: string, entry: CacheEntry): CacheEntry {
    const ttl = entry.until - Date.now();
    if (ttl > 0) this.apiKeys.set(key, entry, { ttl });
    return entry;
  }
}
