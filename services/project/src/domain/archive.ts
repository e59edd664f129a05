import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import { badRequest, HttpError } from "@crm/kit";
import tar from "tar-stream";
import { decodeText, prepareFile, type PreparedFile } from "./content.js";
import { limitExceeded, type Limits } from "./limits.js";
import { normalizePath } from "./paths.js";

export interface ArchiveContents {
  files: PreparedFile[];
  skipped: { binary: number; vendored: number };
  entries: number;
  compressedBytes: number;
  unpackedBytes: number;
}

/**
 * Below this many decompressed bytes the ratio is not checked: tar headers and padding of a few
 * tiny files compress far better than code does, and a small archive cannot be a dangerous bomb.
 */
const RATIO_FLOOR_BYTES = 1024 * 1024;

const REFUSED_TYPES: Record<string, string> = {
  symlink: "symbolic links are not allowed",
  link: "hard links are not allowed",
  "character-device": "device files are not allowed",
  "block-device": "device files are not allowed",
  fifo: "FIFOs are not allowed",
};

const show = (name: string) => JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);

/**
 * Reads a gzip-compressed tar stream into memory and validates all of it before anything is
 * written, so a refused archive leaves no trace. Refuses (400) any entry that could escape the
 * project or is not a regular file or directory, and stops reading as soon as a limit is crossed:
 * compressed size (413), entries, decompressed size and ratio (a decompression bomb), file size,
 * file count and bytes (400). Binary files and vendored directories are skipped and counted.
 * The source is never destroyed: the caller decides how to dispose of an unread remainder.
 */
export async function readArchive(source: Readable, limits: Limits, strip = 0): Promise<ArchiveContents> {
  const counts = { compressed: 0, unpacked: 0 };

  async function* compressed(stream: AsyncIterable<Buffer>) {
    for await (const chunk of stream) {
      counts.compressed += chunk.length;
      if (counts.compressed > limits.archiveMaxBytes)
        throw limitExceeded(413, "ARCHIVE_MAX_BYTES", limits.archiveMaxBytes, "The archive is too large");
      yield chunk;
    }
  }
  async function* decompressed(stream: AsyncIterable<Buffer>) {
    for await (const chunk of stream) {
      counts.unpacked += chunk.length;
      if (counts.unpacked > limits.archiveMaxUnpackedBytes)
        throw limitExceeded(
          400,
          "ARCHIVE_MAX_UNPACKED_BYTES",
          limits.archiveMaxUnpackedBytes,
          "The archive decompresses to too many bytes",
        );
      if (counts.unpacked > RATIO_FLOOR_BYTES && counts.unpacked > limits.archiveMaxRatio * counts.compressed)
        throw limitExceeded(
          400,
          "ARCHIVE_MAX_RATIO",
          limits.archiveMaxRatio,
          "The archive's compression ratio is beyond the allowed bound (a decompression bomb?)",
        );
      yield chunk;
    }
  }

  const extract = tar.extract();
  const abort = new AbortController();
  const producer = pipeline(
    compressed(source.iterator({ destroyOnReturn: false })),
    zlib.createGunzip(),
    decompressed,
    async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) {
        if (!extract.write(chunk)) await drained(extract);
      }
      extract.end(null); // streamx: null ends without writing
    },
    { signal: abort.signal },
  ).catch((err: unknown) => {
    throw streamError(err, "gzip");
  });
  const consumer = readEntries(extract, limits, strip);

  try {
    const [, contents] = await Promise.all([producer, consumer]);
    return { ...contents, compressedBytes: counts.compressed, unpackedBytes: counts.unpacked };
  } catch (err) {
    abort.abort();
    extract.destroy(new Error("archive reading stopped"));
    await Promise.allSettled([producer, consumer]);
    throw err;
  }
}

async function readEntries(extract: tar.Extract, limits: Limits, strip: number) {
  const files = new Map<string, PreparedFile>();
  const skipped = { binary: 0, vendored: 0 };
  let entries = 0;
  let bytes = 0;
  try {
    for await (const entry of extract) {
      const { header } = entry;
      if (++entries > limits.archiveMaxEntries)
        throw limitExceeded(400, "ARCHIVE_MAX_ENTRIES", limits.archiveMaxEntries, "The archive has too many entries");
      const refused = REFUSED_TYPES[header.type];
      if (refused) throw badRequest(`Archive entry ${show(header.name)}: ${refused}`);
      if (header.type !== "file" && header.type !== "contiguous-file" && header.type !== "directory")
        throw badRequest(`Archive entry ${show(header.name)}: entry type '${String(header.type)}' is not allowed`);
      const normal = normalizePath(header.type === "directory" ? header.name.replace(/\/+$/, "") || "." : header.name);
      if ("error" in normal && normal.error !== "path names no file")
        throw badRequest(`Archive entry ${show(header.name)}: ${normal.error}`);
      const segments = "path" in normal ? normal.path.split("/").slice(strip) : [];
      if (header.type === "directory" || segments.length === 0) {
        entry.resume();
        continue;
      }
      if (segments.slice(0, -1).some((s) => limits.archiveSkipDirs.has(s))) {
        skipped.vendored++;
        entry.resume();
        continue;
      }
      if (header.size > limits.fileMaxBytes)
        throw limitExceeded(
          400,
          "PROJECT_FILE_MAX_BYTES",
          limits.fileMaxBytes,
          `Archive entry ${show(header.name)} is too large`,
        );
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const content = Buffer.concat(chunks);
      const text = decodeText(content);
      if (text === undefined) {
        skipped.binary++;
        continue;
      }
      const path = segments.join("/");
      const previous = files.get(path);
      // A tar may hold a path twice; as when extracting, the later entry wins.
      bytes += content.length - (previous?.size ?? 0);
      files.set(path, prepareFile(path, text, content));
      if (files.size > limits.requestMaxFiles)
        throw limitExceeded(400, "PROJECT_REQUEST_MAX_FILES", limits.requestMaxFiles, "The archive has too many files");
      if (bytes > limits.requestMaxBytes)
        throw limitExceeded(
          400,
          "PROJECT_REQUEST_MAX_BYTES",
          limits.requestMaxBytes,
          "The archive's files add up to too many bytes",
        );
    }
  } catch (err) {
    throw streamError(err, "tar");
  }
  return { files: [...files.values()], skipped, entries };
}

function drained(stream: tar.Extract): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
}

/** Our own refusals pass through; anything a parser threw means the body is not what it claims. */
function streamError(err: unknown, stage: "gzip" | "tar"): unknown {
  if (err instanceof HttpError) return err;
  if ((err as Error)?.name === "AbortError") return err;
  const message = (err as Error)?.message ?? String(err);
  return stage === "gzip"
    ? badRequest(`The body is not a valid gzip stream: ${message}`)
    : badRequest(`The body is not a valid tar archive: ${message}`);
}
