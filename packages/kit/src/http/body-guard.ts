import type { NextFunction, Request, Response } from "express";
import { badRequest } from "../errors.js";

const MAX_DEPTH = 64;

/**
 * Refuses JSON that no service can store or should walk: NUL characters (PostgreSQL text cannot
 * hold them, and they would surface as a 500 deep in a write) and nesting deeper than 64 levels.
 */
export function bodyGuard(req: Request, _res: Response, next: NextFunction): void {
  if (req.body === undefined || req.body === null || typeof req.body !== "object") return next();
  const problem = inspect(req.body, "body", 0);
  next(problem ? badRequest(`Invalid request body: ${problem.path}: ${problem.message}`, [problem]) : undefined);
}

function inspect(value: unknown, path: string, depth: number): { path: string; message: string } | undefined {
  if (typeof value === "string") {
    return value.includes("\u0000") ? { path, message: "must not contain NUL characters" } : undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  if (depth >= MAX_DEPTH) return { path, message: `nested more than ${MAX_DEPTH} levels deep` };
  for (const [key, child] of Object.entries(value)) {
    if (key.includes("\u0000")) return { path, message: "keys must not contain NUL characters" };
    const found = inspect(child, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}
