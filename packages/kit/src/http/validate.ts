import type { Request } from "express";
import { z } from "zod";
import { forbidden, fromZodError, unauthorized } from "../errors.js";
import type { Identity } from "../identity.js";

/** Parses a part of the request with a zod schema; a failure is a 400 listing every field. */
export function parse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: "body" | "query" | "params" = "body",
): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZodError(result.error, where);
  return result.data;
}

export const body = <S extends z.ZodType>(req: Request, schema: S) => parse(schema, req.body ?? {}, "body");
export const query = <S extends z.ZodType>(req: Request, schema: S) => parse(schema, req.query, "query");

/** The contract's paging: `?limit=` (default 20, max 100) and an opaque `?cursor=`. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
});
export type PageQuery = z.infer<typeof pageQuery>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Cursors are opaque to clients; inside they are the sort key of the last item. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    return parse(schema, JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")), "query");
  } catch {
    throw fromZodError(
      new z.ZodError([{ code: "custom", path: ["cursor"], message: "invalid cursor", input: cursor }]),
      "query",
    );
  }
}

/** Builds a page from `limit + 1` fetched rows. */
export function toPage<T>(rows: T[], limit: number, cursorOf: (row: T) => unknown): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}

/** The signed-in caller; anonymous callers get 401. */
export function requireUser(req: Request): Identity {
  const identity = req.identity;
  if (!identity || identity.role === "anonymous") throw unauthorized();
  return identity;
}

export function requireAdmin(req: Request): Identity {
  const identity = requireUser(req);
  if (identity.role !== "admin") throw forbidden("Administrators only");
  return identity;
}
