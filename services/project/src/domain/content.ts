import { createHash } from "node:crypto";
import { detectLanguage } from "./language.js";

/** A file ready to be stored: normalised path, content and what is derived from it. */
export interface PreparedFile {
  path: string;
  content: string;
  size: number;
  sha256: string;
  language: string | null;
}

export function prepareFile(path: string, content: string, bytes = Buffer.from(content, "utf8")): PreparedFile {
  return {
    path,
    content,
    size: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    language: detectLanguage(path, content.slice(0, 512)),
  };
}

// fatal: invalid UTF-8 is not text we can store byte-identically; ignoreBOM: keep a BOM as content.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The text of a file, or undefined when it is binary: a NUL byte (Git's heuristic too, and
 * PostgreSQL text cannot hold one) or bytes that are not valid UTF-8 (which could not round-trip byte-identically).
 */
export function decodeText(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
