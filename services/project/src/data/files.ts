import { randomUUID } from "node:crypto";
import type { PrismaClient } from "@crm/db";
import type { PreparedFile } from "../domain/content.js";
import { limitExceeded } from "../domain/limits.js";
import { lockProject } from "./projects.js";

export interface FileInfo {
  id: string;
  path: string;
  size: number;
  sha256: string;
  language: string | null;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ProjectQuota {
  maxFiles: number;
  maxBytes: number;
}

const INFO = {
  id: true,
  path: true,
  size: true,
  sha256: true,
  language: true,
  revision: true,
  createdAt: true,
  updatedAt: true,
} as const;

// PostgreSQL takes at most 65535 bind parameters per statement; stay well under it.
const BATCH = 500;

function chunks<T>(items: T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Files (latest revision metadata) and their immutable revisions in the `project` schema. */
export class FileStore {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Writes files in one transaction, with the project row locked so concurrent uploads cannot
   * overrun the project's quota together. A path already present gets a new revision unless the
   * content is byte-identical (then the file is returned unchanged). All or nothing.
   */
  async write(projectId: string, userId: string, files: PreparedFile[], quota: ProjectQuota): Promise<FileInfo[]> {
    return this.prisma.$transaction(
      async (tx) => {
        await lockProject(tx, projectId);
        const existing = new Map<string, FileInfo>();
        for (const part of chunks(
          files.map((f) => f.path),
          5000,
        )) {
          for (const row of await tx.file.findMany({ where: { projectId, path: { in: part } }, select: INFO }))
            existing.set(row.path, row);
        }
        const totals = await tx.file.aggregate({ where: { projectId }, _count: { _all: true }, _sum: { size: true } });
        let count = totals._count._all;
        let bytes = totals._sum.size ?? 0;
        for (const f of files) {
          const old = existing.get(f.path);
          if (!old) count++;
          bytes += f.size - (old?.size ?? 0);
        }
        if (count > quota.maxFiles)
          throw limitExceeded(413, "PROJECT_MAX_FILES", quota.maxFiles, `The project would hold ${count} files`);
        if (bytes > quota.maxBytes)
          throw limitExceeded(413, "PROJECT_MAX_BYTES", quota.maxBytes, `The project would hold ${bytes} bytes`);

        const now = new Date();
        const created: FileInfo[] = [];
        const changed: FileInfo[] = [];
        const revisions: {
          fileId: string;
          revision: number;
          size: number;
          sha256: string;
          language: string | null;
          content: string;
          createdBy: string;
        }[] = [];
        const result: FileInfo[] = [];
        for (const f of files) {
          const old = existing.get(f.path);
          if (old && old.sha256 === f.sha256) {
            result.push(old);
            continue;
          }
          const info: FileInfo = {
            id: old?.id ?? randomUUID(),
            path: f.path,
            size: f.size,
            sha256: f.sha256,
            language: f.language,
            revision: (old?.revision ?? 0) + 1,
            createdAt: old?.createdAt ?? now,
            updatedAt: now,
          };
          (old ? changed : created).push(info);
          revisions.push({
            fileId: info.id,
            revision: info.revision,
            size: f.size,
            sha256: f.sha256,
            language: f.language,
            content: f.content,
            createdBy: userId,
          });
          result.push(info);
        }
        for (const part of chunks(created)) await tx.file.createMany({ data: part.map((f) => ({ ...f, projectId })) });
        for (const f of changed) {
          await tx.file.update({
            where: { id: f.id },
            data: { revision: f.revision, size: f.size, sha256: f.sha256, language: f.language, updatedAt: now },
          });
        }
        // Contents can be large: smaller batches keep each statement's payload reasonable.
        for (const part of chunks(revisions, 100)) await tx.fileRevision.createMany({ data: part });
        return result;
      },
      { maxWait: 10_000, timeout: 120_000 },
    );
  }

  /** A page ordered by path; the cursor is the last path. */
  async list(projectId: string, limit: number, options: { after?: string; prefix?: string } = {}): Promise<FileInfo[]> {
    const path = {
      ...(options.after !== undefined ? { gt: options.after } : {}),
      ...(options.prefix ? { startsWith: options.prefix } : {}),
    };
    return this.prisma.file.findMany({
      where: { projectId, ...(Object.keys(path).length ? { path } : {}) },
      orderBy: { path: "asc" },
      take: limit + 1,
      select: INFO,
    });
  }

  async listAll(projectId: string): Promise<FileInfo[]> {
    return this.prisma.file.findMany({ where: { projectId }, orderBy: { path: "asc" }, select: INFO });
  }

  async get(projectId: string, fileId: string): Promise<FileInfo | null> {
    return this.prisma.file.findFirst({ where: { id: fileId, projectId }, select: INFO });
  }

  async getMany(projectId: string, ids: string[]): Promise<FileInfo[]> {
    const rows: FileInfo[] = [];
    for (const part of chunks(ids, 5000))
      rows.push(...(await this.prisma.file.findMany({ where: { projectId, id: { in: part } }, select: INFO })));
    return rows;
  }

  /** One revision with its content (the file must belong to the project). */
  async revision(projectId: string, fileId: string, revision: number) {
    return this.prisma.fileRevision.findFirst({
      where: { fileId, revision, file: { projectId } },
      select: {
        id: true,
        revision: true,
        size: true,
        sha256: true,
        language: true,
        content: true,
        createdBy: true,
        createdAt: true,
        file: { select: { id: true, path: true } },
      },
    });
  }

  async revisions(projectId: string, fileId: string, limit: number, before?: number) {
    return this.prisma.fileRevision.findMany({
      where: { fileId, file: { projectId }, ...(before !== undefined ? { revision: { lt: before } } : {}) },
      orderBy: { revision: "desc" },
      take: limit + 1,
      select: { id: true, revision: true, size: true, sha256: true, language: true, createdBy: true, createdAt: true },
    });
  }

  /** Contents of the given (file, revision) pairs. */
  async contents(pairs: { fileId: string; revision: number }[]): Promise<Map<string, string>> {
    const rows = await this.prisma.fileRevision.findMany({
      where: { OR: pairs.map((p) => ({ fileId: p.fileId, revision: p.revision })) },
      select: { fileId: true, content: true },
    });
    return new Map(rows.map((r) => [r.fileId, r.content]));
  }

  async delete(projectId: string, fileId: string): Promise<boolean> {
    return (await this.prisma.file.deleteMany({ where: { id: fileId, projectId } })).count > 0;
  }
}
