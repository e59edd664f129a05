import type http from "node:http";
import {
  HttpError,
  IDENTITY_HEADER,
  acceptRequestId,
  badRequest,
  notFound,
  tooLarge,
  tooManyRequests,
  unavailable,
  type Lifecycle,
  type Logger,
  type BatchedRateLimiter,
  type Metrics,
} from "@crm/kit";
import { clientAddress, hasUnreadBody, sendProblem } from "./http.js";
import type { Authenticator, Caller } from "./identity/authenticator.js";
import { bodyLimitFor, isSuspiciousPath, resolveRoute, type UpstreamName } from "./routes.js";
import { endExchange, exchangeOf, type Upstream } from "./upstream.js";

export interface PipelineOptions {
  logger: Logger;
  metrics: Metrics;
  lifecycle: Lifecycle;
  authenticator: Authenticator;
  upstreams: ReadonlyMap<UpstreamName, Upstream>;
  limiter: BatchedRateLimiter | undefined;
  limits: { user: number; anonymous: number; windowMs: number };
  bodyLimits: { body: number; archive: number };
  trust: (addr: string, i: number) => boolean;
  corsOrigins: string[];
  /** A request refused by the rate limit. */
  onRejected?: (reason: "ratelimit") => void;
  /** A request let through unchecked because the rate limiter cannot reach Redis (fail-open). */
  onDegraded?: () => void;
}

/** Labelled histogram children cached by method, route and status (bounded: odd methods are not cached). */
const MAX_CACHED_CHILDREN = 512;

/** Headers the client may read cross-origin. */
const EXPOSED = [
  "x-request-id",
  "retry-after",
  "ratelimit-limit",
  "ratelimit-remaining",
  "ratelimit-reset",
  "ratelimit-policy",
  "location",
  "x-provider",
  "x-model",
  "x-cache",
  "x-fallbacks",
].join(", ");
const ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";

/** Hop-by-hop headers and credentials that stop at the edge (services trust x-mesh-identity only). */
const STRIPPED = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "upgrade",
  "te",
  // The gateway's server has already answered 100-continue to the client.
  "expect",
  "authorization",
  "x-api-key",
];

/**
 * Routes where bad credentials fall back to anonymous instead of 401: a client whose access token
 * just expired must still be able to refresh, log in again or log out.
 */
const CREDENTIAL_OPTIONAL = new Set([
  "POST /api/v1/auth/login",
  "POST /api/v1/auth/register",
  "POST /api/v1/auth/refresh",
  "POST /api/v1/auth/logout",
  "GET /.well-known/jwks.json",
]);

/**
 * The hot path: every /api/v1/* and /.well-known/* request. No express, no body parsing: header
 * checks, a cached credential lookup, a local rate-limit decision (synced to Redis in the
 * background), then the proxy. One 'close' listener per request does the bookkeeping.
 */
export function createPipeline(opts: PipelineOptions): http.RequestListener {
  const { logger, metrics, lifecycle, authenticator, upstreams, limiter, limits, bodyLimits, trust } = opts;
  const anyOrigin = opts.corsOrigins.includes("*");
  const origins = new Set(opts.corsOrigins);
  const windowSeconds = Math.ceil(limits.windowMs / 1000);
  const policies = new Map<number, string>();
  const policyOf = (limit: number) => {
    let p = policies.get(limit);
    if (p === undefined) policies.set(limit, (p = `${limit};w=${windowSeconds}`));
    return p;
  };

  type Observer = { observe(value: number): void };
  const durations = new Map<string, Observer>();
  const observeDuration = (method: string, route: string, status: number, seconds: number) => {
    const key = `${method} ${route} ${status}`;
    let child = durations.get(key);
    if (child === undefined) {
      child = metrics.httpDuration.labels(method, route, String(status));
      if (durations.size < MAX_CACHED_CHILDREN) durations.set(key, child);
    }
    child.observe(seconds);
  };

  const cors = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return false;
    const allowed = anyOrigin || origins.has(origin);
    res.setHeader("vary", "Origin");
    if (allowed) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("access-control-expose-headers", EXPOSED);
    }
    if (req.method !== "OPTIONS" || req.headers["access-control-request-method"] === undefined) return false;
    // Preflight: answered here, for any path; unknown origins get no CORS headers, so the browser refuses.
    if (allowed) {
      res.setHeader("access-control-allow-methods", ALLOWED_METHODS);
      const requested = req.headers["access-control-request-headers"];
      if (requested) res.setHeader("access-control-allow-headers", requested);
      res.setHeader("access-control-max-age", "600");
      res.setHeader("vary", "Origin, Access-Control-Request-Headers");
    }
    res.statusCode = 204;
    res.setHeader("content-length", "0");
    res.end();
    return true;
  };

  return (req, res) => {
    const started = performance.now();
    const requestId = acceptRequestId(req.headers["x-request-id"]);
    req.headers["x-request-id"] = requestId;
    res.setHeader("x-request-id", requestId);
    res.setHeader("x-content-type-options", "nosniff");
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const route = resolveRoute(path);
    lifecycle.enter();
    res.once("close", () => {
      endExchange(req, res);
      lifecycle.leave();
      const seconds = (performance.now() - started) / 1000;
      const status = res.statusCode;
      observeDuration(req.method ?? "", route?.prefix ?? "unmatched", status, seconds);
      // Successes stay out of INFO logs; the path never includes the query (it may carry secrets).
      // 503s refused by an open breaker are logged once per open period by the upstream instead.
      if ((status >= 400 || !res.writableFinished) && !exchangeOf(req)?.refused) {
        const line = {
          method: req.method,
          path,
          status,
          durationMs: Math.round(seconds * 1000),
          requestId,
          ...(route ? { upstream: route.upstream } : {}),
          ...(res.writableFinished ? {} : { aborted: true }),
        };
        if (status >= 500) logger.error(line, "request failed");
        else if (status >= 400) logger.info(line, "request rejected");
        else logger.debug(line, "request aborted");
      }
    });

    if (cors(req, res)) return;
    if (isSuspiciousPath(path))
      return void sendProblem(req, res, badRequest("Path contains dot segments or encoded separators"), requestId);
    if (!route) return void sendProblem(req, res, notFound(`Route ${req.method} ${path}`), requestId);
    const upstream = upstreams.get(route.upstream);
    if (!upstream) {
      return void sendProblem(
        req,
        res,
        unavailable(route.upstream, `Upstream '${route.upstream}' is not configured on this gateway`),
        requestId,
      );
    }
    const limit = bodyLimitFor(req.method ?? "GET", path, bodyLimits);
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > limit) {
      return void sendProblem(req, res, tooLarge(`Request body exceeds the limit of ${limit} bytes`), requestId);
    }

    // Whatever identity the client claims is dropped before anything else looks at the request.
    delete req.headers[IDENTITY_HEADER];
    const address = clientAddress(req, trust);
    const fail = (err: unknown) => {
      if (exchangeOf(req)?.responded) return;
      sendProblem(req, res, err, requestId);
    };

    /** Rate limit, forwarded headers, then the proxy; synchronous up to the upstream exchange. */
    const proceed = (caller: Caller): void => {
      if (limiter) {
        const max = caller.identity.role === "anonymous" ? limits.anonymous : limits.user;
        // Local and synchronous: Redis is updated by the limiter's background sync.
        const decision = limiter.consume(caller.bucket, 1, max);
        if (decision.degraded) opts.onDegraded?.();
        else {
          res.setHeader("ratelimit-limit", String(decision.limit));
          res.setHeader("ratelimit-remaining", String(decision.remaining));
          res.setHeader("ratelimit-reset", String(Math.ceil(decision.resetMs / 1000)));
          res.setHeader("ratelimit-policy", policyOf(decision.limit));
        }
        if (!decision.allowed) {
          opts.onRejected?.("ratelimit");
          return fail(
            tooManyRequests(
              `Rate limit of ${decision.limit} requests per ${windowSeconds} s exceeded`,
              Math.max(1, Math.ceil(decision.retryAfterMs / 1000)),
              { limit: decision.limit, windowSeconds },
            ),
          );
        }
      }
      if (res.destroyed) return;
      const headers = req.headers;
      for (const name of STRIPPED) delete headers[name];
      headers[IDENTITY_HEADER] = caller.assertion;
      headers["x-forwarded-for"] = address.forwardedFor;
      if (headers["x-forwarded-proto"] === undefined || !trust(req.socket.remoteAddress ?? "", 0)) {
        headers["x-forwarded-proto"] = "encrypted" in req.socket && req.socket.encrypted ? "https" : "http";
      }
      if (declared === undefined && hasUnreadBody(req)) countBody(req, res, limit, requestId);
      upstream.forward(req, res).catch(fail);
    };

    const authorization = req.headers.authorization;
    const rawApiKey = req.headers["x-api-key"];
    const apiKey = typeof rawApiKey === "string" ? rawApiKey : rawApiKey?.[0];
    // Anonymous callers and cached credentials (the common case) are resolved without a promise.
    const known =
      authorization === undefined && apiKey === undefined
        ? authenticator.anonymous(address.ip)
        : authenticator.cached(authorization, apiKey, address.ip);
    if (known) {
      try {
        proceed(known);
      } catch (err) {
        fail(err);
      }
      return;
    }
    authenticator
      .authenticate(authorization, apiKey, address.ip)
      .catch((err: unknown) => {
        if (err instanceof HttpError && err.status === 401 && CREDENTIAL_OPTIONAL.has(`${req.method} ${path}`)) {
          return authenticator.anonymous(address.ip);
        }
        throw err;
      })
      .then(proceed)
      .catch(fail);
  };
}

/**
 * A body without Content-Length (chunked) is counted as it streams; past the limit the upload
 * to the upstream is cut and the client gets 413. The listener is attached before the proxy
 * pipes the request, and runs before the pipe's own, so no byte over the limit is forwarded.
 */
function countBody(req: http.IncomingMessage, res: http.ServerResponse, limit: number, requestId: string): void {
  let seen = 0;
  const onData = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen <= limit) return;
    req.off("data", onData);
    req.unpipe();
    req.pause();
    const ex = exchangeOf(req);
    if (ex) ex.aborted = true;
    const error = tooLarge(`Request body exceeds the limit of ${limit} bytes`);
    if (!ex?.responded && !res.headersSent) sendProblem(req, res, error, requestId);
    else res.destroy();
    // The upstream saw a truncated upload: abort it so it never handles a partial body (when the
    // upstream request has no socket yet, the proxy's proxyReq handler aborts it on arrival).
    ex?.proxyReq?.destroy();
    ex?.settle?.();
  };
  req.on("data", onData);
  // Explicitly paused: the proxy's pipe() resumes the stream once it is attached.
  req.pause();
}
