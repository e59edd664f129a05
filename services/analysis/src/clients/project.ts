import type { PartKit } from "@crm/kit";

export interface FileInfo {
  id: string;
  path: string;
  size: number;
  sha256: string;
  language: string;
  revision: number;
}

export interface FileContent {
  file: FileInfo;
  content: string;
}

export interface AccessAnswer {
  allowed: boolean;
  role: string;
  projectExists: boolean;
}

export type Action = "read" | "write";

/** The project service over gRPC: access checks and file contents. */
export interface ProjectClient {
  checkAccess(userId: string, projectId: string, action: Action): Promise<AccessAnswer>;
  listFiles(projectId: string, globs: string[]): Promise<FileInfo[]>;
  /** Contents of the given files, reassembled from the stream's chunks. */
  getFiles(projectId: string, ids: string[]): Promise<FileContent[]>;
  health(): Promise<void>;
  close(): void;
}

interface FileChunk {
  file: FileInfo;
  offset: number;
  data: Buffer;
  last: boolean;
}

export function projectClient(kit: PartKit, address: string): ProjectClient {
  const client = kit.grpcClient({
    peer: "project",
    address,
    file: "crm/project/v1/project.proto",
    service: "crm.project.v1.ProjectService",
    idempotent: ["CheckAccess", "ListFiles", "GetFiles"],
    timeoutMs: 10_000,
  });
  return {
    async checkAccess(userId, projectId, action) {
      return client.unary<AccessAnswer>("CheckAccess", { userId, projectId, action });
    },
    async listFiles(projectId, globs) {
      const res = await client.unary<{ files: FileInfo[] }>("ListFiles", { projectId, globs });
      return res.files.map((f) => ({ ...f, size: Number(f.size) }));
    },
    async getFiles(projectId, ids) {
      if (ids.length === 0) return [];
      const parts = new Map<string, { file: FileInfo; chunks: Buffer[] }>();
      for await (const chunk of client.stream<FileChunk>("GetFiles", { projectId, ids }, { timeoutMs: 60_000 })) {
        let entry = parts.get(chunk.file.id);
        if (!entry) parts.set(chunk.file.id, (entry = { file: chunk.file, chunks: [] }));
        entry.chunks.push(Buffer.from(chunk.data));
      }
      return [...parts.values()].map(({ file, chunks }) => ({
        file: { ...file, size: Number(file.size) },
        content: Buffer.concat(chunks).toString("utf8"),
      }));
    },
    health: () => client.health(),
    close: () => client.close(),
  };
}
