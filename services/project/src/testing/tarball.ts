import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import tar from "tar-stream";

export interface TarEntry {
  name: string;
  type?: tar.Header["type"];
  content?: Buffer | string;
  linkname?: string;
}

/** A real tar stream built with tar-stream's packer, entry by entry, exactly as given. */
export async function tarball(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c) => void chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve) => pack.on("end", () => resolve()));
  for (const e of entries) {
    const header = {
      name: e.name,
      type: e.type ?? "file",
      ...(e.linkname ? { linkname: e.linkname } : {}),
      ...(e.type === "character-device" || e.type === "block-device" ? { devmajor: 1, devminor: 3 } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (e.content !== undefined) pack.entry(header, e.content, done);
      else pack.entry(header, done).end(null);
    });
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

export const gzip = (data: Buffer): Buffer => zlib.gzipSync(data);

export const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

/** The installed copy of a dependency (e.g. "zod"): code no one in this repository wrote. */
export function dependencyDir(name: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, "node_modules", name);
    if (existsSync(path.join(candidate, "package.json"))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`node_modules/${name} not found`);
    dir = parent;
  }
}

/** Every regular file under dir, as tar entries named `${prefix}${relative path}`. */
export async function directoryEntries(
  dir: string,
  prefix = "",
): Promise<{ entries: TarEntry[]; files: Map<string, Buffer> }> {
  const files = new Map<string, Buffer>();
  const entries: TarEntry[] = [];
  for (const dirent of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!dirent.isFile()) continue;
    const full = path.join(dirent.parentPath, dirent.name);
    const rel = path.relative(dir, full).split(path.sep).join("/");
    const content = await readFile(full);
    files.set(rel, content);
    entries.push({ name: `${prefix}${rel}`, content });
  }
  return { entries, files };
}
