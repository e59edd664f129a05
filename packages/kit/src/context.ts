import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { Identity } from "./identity.js";

/** What travels with one request through REST hops and gRPC calls. */
export interface RequestContext {
  requestId: string;
  /** The verified caller, when there is one. */
  identity?: Identity;
  /** The signed identity assertion as received, forwarded unchanged to peers. */
  identityToken?: string;
  /** Absolute epoch ms after which the caller no longer waits for us. */
  deadline?: number;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Request ids are accepted from callers only when they look like ids, so logs cannot be forged. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function acceptRequestId(value: unknown): string {
  return typeof value === "string" && REQUEST_ID.test(value) ? value : randomUUID();
}

/** Milliseconds left before the caller's deadline, or undefined when there is none. */
export function remainingMs(ctx: RequestContext | undefined = currentContext()): number | undefined {
  return ctx?.deadline === undefined ? undefined : ctx.deadline - Date.now();
}
