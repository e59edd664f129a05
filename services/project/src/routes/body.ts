import type { Request } from "express";

/**
 * Reads and drops the rest of a request body (at most `maxBytes`, for at most `timeoutMs`), so a
 * refused upload is answered instead of reset mid-send. A client that sends more than that has
 * its connection closed.
 */
export function discardBody(req: Request, maxBytes: number, timeoutMs = 10_000): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const timer = setTimeout(() => finish(true), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) finish(true);
    };
    const finish = (destroy = false) => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onEnd);
      if (destroy) req.destroy();
      resolve();
    };
    const onEnd = () => finish();
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("close", onEnd);
    req.resume();
  });
}
