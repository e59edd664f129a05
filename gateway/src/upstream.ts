import http from "node:http";
import { parse as parseUrl } from "node:url";
import { Breaker, HttpError, PROBLEM_CONTENT_TYPE, unavailable, type Logger, type Metrics } from "@crm/kit";
import { createProxyMiddleware, type Plugin, type RequestHandler } from "http-proxy-middleware";
import type { UpstreamName } from "./routes.js";

/** Per-request state shared between the pipeline and the proxy's event handlers. */
export interface Exchange {
  upstream: Upstream;
  /** The client's own Connection header (hop-by-hop, not forwarded). */
  clientConnection: string | undefined;
  /** Settles the breaker's view of this exchange: an Error counts against the upstream. */
  settle: ((err?: Error) => void) | undefined;
  /** The upstream answered (headers are on their way to the client). */
  responded: boolean;
  timedOut: boolean;
  /** The gateway itself stopped the exchange (e.g. body too large); not the upstream's fault. */
  aborted: boolean;
  /** The open breaker refused the request (nothing was sent upstream). */
  refused: boolean;
  /** The request to the upstream, once it has a socket. */
  proxyReq?: http.ClientRequest;
  /** The upstream's response, once it arrived. */
  proxyRes?: http.IncomingMessage;
}

const EXCHANGE = Symbol("crm.exchange");
type WithExchange = http.IncomingMessage & { [EXCHANGE]?: Exchange };

export function exchangeOf(req: http.IncomingMessage): Exchange | undefined {
  return (req as WithExchange)[EXCHANGE];
}

/**
 * The client's response closed (finished or aborted): called from the pipeline's one 'close'
 * listener. A stream (SSE) whose client went away must not keep the upstream busy, and an
 * exchange still waiting for its upstream settles as a non-failure.
 */
export function endExchange(req: http.IncomingMessage, res: http.ServerResponse): void {
  const ex = (req as WithExchange)[EXCHANGE];
  if (!ex) return;
  if (!res.writableEnded) ex.proxyRes?.destroy();
  ex.settle?.();
}

/** An upstream failure as the breaker sees it; `error` is what the client gets (unless it already has an answer). */
export class UpstreamFailure extends Error {
  constructor(readonly error: HttpError) {
    super(error.message);
  }
}

const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);
const DEAD_STATUS = new Set([502, 503, 504]);

export interface UpstreamOptions {
  name: UpstreamName;
  url: string;
  timeoutMs: number;
  maxSockets: number;
  breaker: { resetTimeoutMs: number; volumeThreshold: number; errorThresholdPercentage: number };
  metrics: Metrics;
  /** Where the breaker's open periods are reported (once each, not per refused request). */
  logger?: Logger;
}

/** Sockets idle longer than this are dropped, before the upstream's 65 s keep-alive closes them under us. */
const IDLE_SOCKET_MS = 30_000;

/**
 * One upstream service: a keep-alive agent, an http-proxy-middleware instance (default plugins
 * ejected: no per-request logging or URL work) and a kit Breaker. Connection errors, timeouts and
 * 502/503/504 answers that are not a kit problem document (i.e. not the service itself speaking)
 * count as failures; an open breaker answers 503 in well under a millisecond.
 */
export class Upstream {
  readonly name: UpstreamName;
  readonly url: string;
  readonly breaker: Breaker;
  readonly agent: http.Agent;
  private readonly middleware: RequestHandler<http.IncomingMessage, http.ServerResponse>;
  private readonly timeoutMs: number;
  private readonly logger: Logger | undefined;
  /** Requests the open breaker refused since it last let one through. */
  private refused = 0;

  constructor(opts: UpstreamOptions) {
    this.name = opts.name;
    this.url = opts.url.replace(/\/+$/, "");
    this.timeoutMs = opts.timeoutMs;
    this.logger = opts.logger;
    // The inactivity timeout is the socket's own timer, armed once per socket by the agent: no
    // timer per exchange. It doubles as the idle-socket timeout, so it is used that way only when
    // it is not longer than IDLE_SOCKET_MS; a longer one is armed per request instead.
    const socketTimeout = Math.min(this.timeoutMs, IDLE_SOCKET_MS);
    this.agent = new http.Agent({
      keepAlive: true,
      maxSockets: opts.maxSockets,
      maxFreeSockets: 64,
      timeout: socketTimeout,
    });
    const perRequestTimeout = this.timeoutMs > IDLE_SOCKET_MS;
    this.breaker = new Breaker(
      `upstream.${opts.name}`,
      { ...opts.breaker, isFailure: (err) => err instanceof UpstreamFailure },
      opts.metrics,
    );
    const events: Plugin = (proxy) => {
      proxy.on("proxyReq", (proxyReq, req) => {
        const ex = exchangeOf(req);
        if (!ex) return;
        ex.proxyReq = proxyReq;
        if (ex.aborted) {
          proxyReq.destroy();
          return;
        }
        const onTimeout = () => {
          ex.timedOut = true;
          proxyReq.destroy(Object.assign(new Error("upstream timed out"), { code: "ETIMEDOUT" }));
        };
        // The agent's socket timeout makes the request emit 'timeout' after timeoutMs of silence.
        if (perRequestTimeout) proxyReq.setTimeout(this.timeoutMs, onTimeout);
        else proxyReq.once("timeout", onTimeout);
      });
      proxy.on("proxyRes", (proxyRes, req, res) => {
        const ex = exchangeOf(req);
        // Hop-by-hop headers of the upstream connection are not the client's business.
        delete proxyRes.headers["keep-alive"];
        proxyRes.headers.connection = ex?.clientConnection ?? "keep-alive";
        // Keep the gateway's `Vary: Origin` (CORS) next to whatever the upstream varies on.
        const vary = res.getHeader("vary");
        if (vary !== undefined && proxyRes.headers.vary)
          proxyRes.headers.vary = `${proxyRes.headers.vary}, ${String(vary)}`;
        if (!ex) return;
        // Streams (SSE) whose client went away must not keep the upstream busy (see endExchange).
        ex.proxyRes = proxyRes;
        ex.responded = true;
        const status = proxyRes.statusCode ?? 502;
        const contentType = proxyRes.headers["content-type"];
        if (
          DEAD_STATUS.has(status) &&
          !(typeof contentType === "string" && contentType.startsWith(PROBLEM_CONTENT_TYPE))
        ) {
          ex.settle?.(new UpstreamFailure(new HttpError(502, `Upstream '${this.name}' answered ${status}`)));
        } else {
          ex.settle?.();
        }
      });
      proxy.on("error", (err: NodeJS.ErrnoException, req) => {
        const ex = exchangeOf(req);
        if (!ex) return;
        if (ex.aborted) {
          ex.settle?.();
          return;
        }
        ex.settle?.(new UpstreamFailure(this.toHttpError(err, ex)));
      });
      proxy.on("econnreset", (_err, req) => exchangeOf(req)?.settle?.());
    };
    this.middleware = createProxyMiddleware({
      // Parsed once here; given as a string, http-proxy would url.parse it on every request.
      target: parseUrl(this.url),
      agent: this.agent,
      changeOrigin: false,
      xfwd: false,
      ejectPlugins: true,
      plugins: [events],
    });
  }

  private toHttpError(err: NodeJS.ErrnoException, ex: Exchange): HttpError {
    const extensions = { dependency: this.name };
    if (ex.timedOut) {
      return new HttpError(504, `Upstream '${this.name}' did not answer within ${this.timeoutMs} ms`, { extensions });
    }
    if (err.code && UNREACHABLE.has(err.code)) return unavailable(this.name, `Upstream '${this.name}' is unreachable`);
    return new HttpError(502, `Upstream '${this.name}' failed to answer (${err.code ?? "connection error"})`, {
      extensions,
      cause: err,
    });
  }

  /**
   * Proxies one request through the breaker. Resolves when the upstream has answered (or the
   * exchange ended for a reason that is not the upstream's fault); rejects with an HttpError
   * when the client must get a problem instead (check `res.headersSent`/`responded` first).
   */
  forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const ex: Exchange = {
      upstream: this,
      clientConnection: req.headers.connection,
      settle: undefined,
      responded: false,
      timedOut: false,
      aborted: false,
      refused: false,
    };
    (req as WithExchange)[EXCHANGE] = ex;
    let ran = false;
    return this.breaker
      .fire(
        () =>
          new Promise<void>((resolve, reject) => {
            ran = true;
            if (this.refused > 0) this.circuitPassed();
            // The client going away (or the response ending some other way) settles the exchange
            // as a non-failure: the pipeline's 'close' listener calls endExchange.
            ex.settle = (err) => {
              ex.settle = undefined;
              if (err) reject(err);
              else resolve();
            };
            void this.middleware(req, res, (err?: unknown) =>
              ex.settle?.(new UpstreamFailure(new HttpError(502, `Proxy to '${this.name}' failed`, { cause: err }))),
            );
          }),
        this.name,
      )
      .catch((err: unknown) => {
        if (err instanceof UpstreamFailure) throw err.error;
        if (!ran) {
          ex.refused = true;
          if (this.refused++ === 0) {
            this.logger?.error(
              { upstream: this.name, breaker: this.breaker.name, state: this.breaker.state },
              "upstream circuit open: refusing requests with 503 (logged once per open period)",
            );
          }
        }
        throw err;
      });
  }

  /** The breaker let a call through again after refusing some: one line with the count. */
  private circuitPassed(): void {
    this.logger?.warn(
      { upstream: this.name, breaker: this.breaker.name, refused: this.refused },
      "upstream circuit let a request through again after refusing requests",
    );
    this.refused = 0;
  }

  close(): void {
    this.breaker.shutdown();
    this.agent.destroy();
  }
}
