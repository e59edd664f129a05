import type http from "node:http";
import { PROBLEM_CONTENT_TYPE, toHttpError, type HttpError } from "@crm/kit";
import proxyaddr from "proxy-addr";

/** Headers on every response the gateway writes itself (problems, ops, docs). */
export const SECURITY_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
};

/** Swagger UI needs its own scripts, styles and inline images. */
export const DOCS_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

export function setSecurityHeaders(res: http.ServerResponse): void {
  for (const name in SECURITY_HEADERS) res.setHeader(name, SECURITY_HEADERS[name]!);
}

/**
 * Writes an RFC 9457 problem on a bare response. When the request still has an unread body the
 * connection is closed after the answer, so an oversized or refused upload is not read to its end.
 */
export function sendProblem(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  err: unknown,
  requestId: string,
): HttpError {
  const error = toHttpError(err);
  if (res.headersSent) {
    res.destroy();
    return error;
  }
  const body = JSON.stringify(error.toProblem(requestId));
  setSecurityHeaders(res);
  if (error.retryAfter !== undefined) res.setHeader("retry-after", String(Math.max(1, Math.ceil(error.retryAfter))));
  res.setHeader("content-type", PROBLEM_CONTENT_TYPE);
  res.setHeader("content-length", Buffer.byteLength(body));
  res.setHeader("cache-control", "no-store");
  if (hasUnreadBody(req)) res.setHeader("connection", "close");
  res.statusCode = error.status;
  res.end(body);
  return error;
}

export function hasUnreadBody(req: http.IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

/** Parses TRUST_PROXY like express's "trust proxy" setting. */
export function compileTrust(setting: string): (addr: string, i: number) => boolean {
  const value = setting.trim().toLowerCase();
  if (value === "false" || value === "0" || value === "") return () => false;
  if (value === "true") return () => true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_addr, i) => i < hops;
  }
  return proxyaddr.compile(
    value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

export interface ClientAddress {
  /** The client as far as trusted proxies say. */
  ip: string;
  /** X-Forwarded-For to send upstream: the trusted chain plus the peer that connected to us. */
  forwardedFor: string;
}

export function clientAddress(req: http.IncomingMessage, trust: (addr: string, i: number) => boolean): ClientAddress {
  const peer = req.socket.remoteAddress ?? "";
  if (req.headers["x-forwarded-for"] === undefined) return { ip: peer, forwardedFor: peer };
  // proxyaddr.all: [peer, ...XFF from nearest to farthest], cut at the first untrusted hop.
  const chain = proxyaddr.all(req, trust);
  const ip = chain[chain.length - 1] ?? peer;
  return { ip, forwardedFor: chain.slice(1).reverse().concat(peer).join(", ") };
}
