import { badRequest, notFound, type Identity } from "@crm/kit";
import picomatch from "picomatch";
import type { FileInfo, FileStore } from "../data/files.js";
import { isUuid } from "./access.js";
import { readArchive } from "./archive.js";
import { prepareFile, type PreparedFile } from "./content.js";
import { limitExceeded, type Limits } from "./limits.js";
import { requirePath } from "./paths.js";
import type { Projects } from "./projects.js";
import type { Readable } from "node:stream";

export interface WriteResult {
  items: FileInfo[];
  skipped?: { binary: number; vendored: number; total: number };
}

/** File use cases: uploads (JSON or archive), listing, reading, glob selection for peers. */
export class Files {
  constructor(
    private readonly projects: Projects,
    private readonly store: FileStore,
    private readonly limits: Limits,
  ) {}

  private get quota() {
    return { maxFiles: this.limits.projectMaxFiles, maxBytes: this.limits.projectMaxBytes };
  }

  async upload(caller: Identity, projectId: string, input: { path: string; content: string }[]): Promise<WriteResult> {
    await this.projects.access(projectId, caller.sub, "write");
    const { requestMaxFiles, requestMaxBytes, fileMaxBytes } = this.limits;
    if (input.length > requestMaxFiles)
      throw limitExceeded(413, "PROJECT_REQUEST_MAX_FILES", requestMaxFiles, `${input.length} files in one request`);
    const seen = new Set<string>();
    let total = 0;
    const files: PreparedFile[] = input.map((f, i) => {
      const where = input.length === 1 && i === 0 ? "body.path" : `body.files.${i}.path`;
      const path = requirePath(f.path, where);
      if (seen.has(path))
        throw badRequest(`Path '${path}' appears twice in the request`, [{ path: where, message: "duplicate path" }]);
      seen.add(path);
      if (f.content.includes("\u0000"))
        throw badRequest(`File '${path}' contains NUL characters: only text files are stored`);
      const file = prepareFile(path, f.content);
      if (file.size > fileMaxBytes)
        throw limitExceeded(413, "PROJECT_FILE_MAX_BYTES", fileMaxBytes, `File '${path}' has ${file.size} bytes`);
      total += file.size;
      return file;
    });
    if (total > requestMaxBytes)
      throw limitExceeded(413, "PROJECT_REQUEST_MAX_BYTES", requestMaxBytes, `The files add up to ${total} bytes`);
    return { items: await this.store.write(projectId, caller.sub, files, this.quota) };
  }

  /** Access is checked before a byte is read; the whole archive is validated before any write. */
  async uploadArchive(caller: Identity, projectId: string, body: Readable, strip: number): Promise<WriteResult> {
    await this.projects.access(projectId, caller.sub, "write");
    const archive = await readArchive(body, this.limits, strip);
    const items = await this.store.write(projectId, caller.sub, archive.files, this.quota);
    const { binary, vendored } = archive.skipped;
    return { items, skipped: { binary, vendored, total: binary + vendored } };
  }

  async list(caller: Identity, projectId: string, limit: number, options: { after?: string; prefix?: string }) {
    await this.projects.access(projectId, caller.sub, "read");
    return this.store.list(projectId, limit, options);
  }

  async get(caller: Identity, projectId: string, fileId: string, revision?: number) {
    await this.projects.access(projectId, caller.sub, "read");
    const file = isUuid(fileId) ? await this.store.get(projectId, fileId) : null;
    if (!file) throw notFound("File");
    const rev = await this.store.revision(projectId, fileId, revision ?? file.revision);
    if (!rev) throw notFound(`Revision ${revision} of the file`);
    return { file, revision: rev };
  }

  async revisions(caller: Identity, projectId: string, fileId: string, limit: number, before?: number) {
    await this.projects.access(projectId, caller.sub, "read");
    const file = isUuid(fileId) ? await this.store.get(projectId, fileId) : null;
    if (!file) throw notFound("File");
    return this.store.revisions(projectId, fileId, limit, before);
  }

  async delete(caller: Identity, projectId: string, fileId: string): Promise<void> {
    await this.projects.access(projectId, caller.sub, "write");
    if (!isUuid(fileId) || !(await this.store.delete(projectId, fileId))) throw notFound("File");
  }

  /** Latest files whose path matches any glob (a leading "!" excludes); all files without globs. */
  async select(projectId: string, globs: string[]): Promise<FileInfo[]> {
    const files = await this.store.listAll(projectId);
    const include = globs.filter((g) => !g.startsWith("!"));
    const exclude = globs.filter((g) => g.startsWith("!")).map((g) => g.slice(1));
    const matches = include.length ? picomatch(include, { dot: true }) : () => true;
    const excluded = exclude.length ? picomatch(exclude, { dot: true }) : () => false;
    return files.filter((f) => matches(f.path) && !excluded(f.path));
  }

  async infos(projectId: string, ids: string[]): Promise<FileInfo[]> {
    const valid = ids.filter(isUuid);
    const found = valid.length ? await this.store.getMany(projectId, valid) : [];
    const byId = new Map(found.map((f) => [f.id, f]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length) throw notFound(`File ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? "…" : ""}`);
    return ids.map((id) => byId.get(id)!);
  }

  contents(pairs: { fileId: string; revision: number }[]) {
    return this.store.contents(pairs);
  }
}
