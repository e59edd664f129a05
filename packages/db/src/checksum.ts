import { createHash } from "node:crypto";

/**
 * Migration checksums, compatible with Prisma's schema engine
 * (schema-connector/src/checksum.rs): the sha256 of the migration.sql text, as 64 lower-case
 * hex digits. Recorded checksums are compared the way Prisma compares them, so a table written
 * by `prisma migrate deploy` and one written by this migrator are interchangeable.
 */
export function migrationChecksum(script: string | Uint8Array): string {
  return createHash("sha256").update(script).digest("hex");
}

/**
 * Whether `script` matches a recorded checksum. Like Prisma this tolerates line-ending changes
 * (git may check files out with CRLF on Windows) and the short, non-zero-padded hex strings
 * that old Prisma versions recorded.
 */
export function scriptMatchesChecksum(script: string, recorded: string): boolean {
  const variants = [script, script.replaceAll("\r\n", "\n"), script.replaceAll("\n", "\r\n")];
  return variants.some((variant) => {
    const digest = createHash("sha256").update(variant).digest();
    const rendered = recorded.length !== 0 && recorded.length !== 64 ? unpaddedHex(digest) : digest.toString("hex");
    return rendered === recorded;
  });
}

/** Prisma < 2.15 formatted each byte with `{:x}`, dropping leading zeros (prisma-engines#1887). */
function unpaddedHex(digest: Uint8Array): string {
  return Array.from(digest, (byte) => byte.toString(16)).join("");
}
