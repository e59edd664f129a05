import { HttpError } from "@crm/kit";

/** The configured limits of file writes (see config.ts for each key's meaning). */
export interface Limits {
  fileMaxBytes: number;
  requestMaxFiles: number;
  requestMaxBytes: number;
  projectMaxFiles: number;
  projectMaxBytes: number;
  archiveMaxBytes: number;
  archiveMaxEntries: number;
  archiveMaxUnpackedBytes: number;
  archiveMaxRatio: number;
  archiveSkipDirs: ReadonlySet<string>;
}

/**
 * A problem naming the limit that was exceeded, by its config key, so an operator knows what to
 * raise and a client knows what to split: `{ limit: "PROJECT_FILE_MAX_BYTES", max: 1048576 }`.
 */
export function limitExceeded(status: 400 | 413, limit: string, max: number, detail: string): HttpError {
  return new HttpError(status, `${detail} (limit ${limit} = ${max})`, { extensions: { limit, max } });
}
