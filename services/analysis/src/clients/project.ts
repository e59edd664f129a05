import type { PartKit } from "@crm/kit";
import type { project } from "@crm/proto";

export type FileInfo = project.FileInfo__Output;

export interface FileContent {
  file: FileInfo;
  content: string;
}

export type AccessAnswer = project.CheckAccessResponse__Output;

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
      const req = { userId, projectId, action } satisfies project.CheckAccessRequest;
      return client.unary<AccessAnswer>("CheckAccess", req);
    },
    async listFiles(projectId, globs) {
      const req = { projectId, globs } satisfies project.ListFilesRequest;
      const res = await client.unary<project.ListFilesResponse__Output>("ListFiles", req);
      return res.files.map((f) => ({ ...f, size: Number(f.size) }));
    },
    async getFiles(projectId, ids) {
      if (ids.length === 0) return [];
      const parts = new Map<string, { file: FileInfo; chunks: Buffer[] }>();
      const req = { projectId, ids } satisfies project.GetFilesRequest;
      for await (const chunk of client.stream<project.FileChunk__Output>("GetFiles", req, { timeoutMs: 60_000 })) {
        // Every chunk names its file (see project-service.ts); a message field may be null on the wire.
        if (!chunk.file) throw new Error("GetFiles sent a chunk without its file");
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
