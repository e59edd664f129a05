import http from "node:http";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import { acceptRequestId, runWithContext, type RequestContext } from "../context.js";
import { HttpError, PROBLEM_CONTENT_TYPE, toHttpError, notFound, tooLarge, badRequest } from "../errors.js";
import { IDENTITY_HEADER, verifyIdentity, type Identity } from "../identity.js";
import type { Lifecycle } from "../lifecycle.js";
import type { Metrics } from "../metrics.js";
import { bodyGuard } from "./body-guard.js";
import { opsRouter, type ReadinessCheck } from "./ops.js";

declare module "express-serve-static-core" {
  interface Request {
    requestId: string;
    /** This request's context (also reachable through AsyncLocalStorage). */
    context: RequestContext;
    /** The caller, as the gateway asserted it; present on every /api route. */
    identity: Identity;
  }
}

export interface HttpAppOptions {
  name: string;
  logger: Logger;
  metrics: Metrics;
  lifecycle: Lifecycle;
  meshSecret: string;
  readiness?: ReadinessCheck[];
  /** JSON body limit, e.g. "1mb". */
  bodyLimit?: string;
  /** Time a request may spend, propagated as the deadline of every gRPC call it makes. */
  requestTimeoutMs?: number;
  /** Mounts the part's routes; everything under /api requires a mesh identity assertion. */
  routes: (app: Express) => void;
}

/** Sends any error as RFC 9457 problem+json with the request id. */
export function sendProblem(res: Response, err: unknown, requestId: string): void {
  const error = toHttpError(err);
  if (error.retryAfter !== undefined) res.setHeader("retry-after", String(Math.ceil(error.retryAfter)));
  res
    .status(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(error.toProblem(requestId)));
}

export function createHttpApp(opts: HttpAppOptions): Express {
  const { logger, metrics, lifecycle } = opts;
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");

  app.use((req, res, next) => {
    const started = performance.now();
    const requestId = acceptRequestId(req.headers["x-request-id"]);
    req.requestId = requestId;
    res.setHeader("x-request-id", requestId);
    lifecycle.enter();
    res.once("close", () => {
      lifecycle.leave();
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
      const seconds = (performance.now() - started) / 1000;
      metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      // Successes stay out of INFO logs: at production rates they drown the errors.
      if (res.statusCode >= 400) {
        const line = {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          durationMs: Math.round(seconds * 1000),
          requestId,
        };
        if (res.statusCode >= 500) logger.error(line, "request failed");
        else logger.info(line, "request rejected");
      }
    });
    const ctx: RequestContext = { requestId };
    if (opts.requestTimeoutMs) ctx.deadline = Date.now() + opts.requestTimeoutMs;
    req.context = ctx;
    runWithContext(ctx, next);
  });

  app.use(opsRouter(lifecycle, metrics, opts.readiness ?? []));

  app.use("/api", (req, _res, next) => {
    const token = req.headers[IDENTITY_HEADER];
    const identity = verifyIdentity(opts.meshSecret, typeof token === "string" ? token : undefined);
    if (!identity) {
      next(new HttpError(401, "Requests must come through the gateway with valid credentials"));
      return;
    }
    req.identity = identity;
    // The context is mutable on purpose: gRPC calls made later in this request forward it.
    req.context.identity = identity;
    req.context.identityToken = token as string;
    next();
  });
  app.use(express.json({ limit: opts.bodyLimit ?? "1mb" }));
  app.use(bodyGuard);
  opts.routes(app);

  app.use((req, _res, next) => next(notFound(`Route ${req.method} ${req.path}`)));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const error = mapExpressError(err);
    // Bugs get their stack logged; a dependency being down (502-504) is already in the access line.
    if (error.status === 500) logger.error({ err: (error.cause as Error) ?? err, path: req.path }, "unhandled error");
    else if (error.status >= 502)
      logger.warn({ err: { message: ((error.cause as Error) ?? err).message }, path: req.path }, "dependency failed");
    sendProblem(res, error, req.requestId ?? acceptRequestId(undefined));
  });
  return app;
}

/** body-parser's errors carry a status and a type; turn them into the contract's problems. */
function mapExpressError(err: unknown): HttpError {
  const e = err as { type?: string; status?: number; limit?: number };
  if (e?.type === "entity.too.large") return tooLarge(`Request body exceeds the limit of ${e.limit} bytes`);
  if (e?.type === "entity.parse.failed") return badRequest("Request body is not valid JSON");
  if (e?.type === "encoding.unsupported" || e?.type === "charset.unsupported")
    return new HttpError(415, "Unsupported body encoding");
  if (!(err instanceof HttpError) && typeof e?.status === "number" && e.status >= 400 && e.status < 500)
    return new HttpError(e.status, "Invalid request");
  return toHttpError(err);
}

export function createHttpServer(app: http.RequestListener): http.Server {
  const server = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, app);
  // Behind load balancers that keep connections 60 s, the server must outlive them.
  server.headersTimeout = 66_000;
  return server;
}
