import { badRequest } from "@crm/kit";

export const MAX_PATH_LENGTH = 1024;

/**
 * A project path is relative, "/"-separated and stays inside the project: no absolute paths,
 * drive letters, backslashes, `..` segments or control characters. "./a//b" becomes "a/b".
 * Returns the normal form, or a reason why the path is refused.
 */
export function normalizePath(raw: string): { path: string } | { error: string } {
  if (raw.length === 0) return { error: "path is empty" };
  if (raw.length > MAX_PATH_LENGTH) return { error: `path is longer than ${MAX_PATH_LENGTH} characters` };
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(raw)) return { error: "path contains control characters" };
  if (raw.startsWith("/") || raw.startsWith("\\") || /^[A-Za-z]:/.test(raw)) return { error: "path is absolute" };
  if (raw.includes("\\")) return { error: "path contains a backslash" };
  const segments = raw.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) return { error: "path contains a '..' segment" };
  if (segments.length === 0) return { error: "path names no file" };
  return { path: segments.join("/") };
}

export function requirePath(raw: string, where: string): string {
  const result = normalizePath(raw);
  if ("error" in result)
    throw badRequest(`Invalid path '${raw.slice(0, 200)}': ${result.error}`, [{ path: where, message: result.error }]);
  return result.path;
}
