import type { Express, Request } from "express";
import { body, decodeCursor, HttpError, pageQuery, query, requireUser, toPage } from "@crm/kit";
import { z } from "zod";
import type { FileInfo } from "../data/files.js";
import type { Files } from "../domain/files.js";
import type { Limits } from "../domain/limits.js";
import { limitExceeded } from "../domain/limits.js";
import type { RouteDoc } from "../openapi.js";
import { discardBody } from "./body.js";
import {
  archiveQuery,
  fileOut,
  fileQuery,
  filesQuery,
  filesUpload,
  fileWithContent,
  page,
  revisionOut,
  writeOut,
} from "./schemas.js";

const ARCHIVE_TYPES = ["application/gzip", "application/x-gzip", "application/x-tar+gzip", "application/octet-stream"];

export function fileJson(f: FileInfo) {
  return {
    id: f.id,
    path: f.path,
    size: f.size,
    sha256: f.sha256,
    language: f.language,
    revision: f.revision,
    createdAt: f.createdAt,
    updatedAt: f.updatedAt,
  };
}

const param = (req: Request, name: string) => String(req.params[name] ?? "");

/** Thin HTTP layer over the file use cases, including the streamed archive upload. */
export function mountFileRoutes(app: Express, files: Files, limits: Limits): void {
  app.post("/api/v1/projects/:id/files", async (req, res) => {
    const caller = requireUser(req);
    const input = body(req, filesUpload);
    const list = "files" in input ? input.files : [input];
    const result = await files.upload(caller, param(req, "id"), list);
    res.status(201).json({ items: result.items.map(fileJson) });
  });

  // The body is read here as a stream (express.json only parses JSON types, so it is untouched).
  app.post("/api/v1/projects/:id/archive", async (req, res) => {
    try {
      const caller = requireUser(req);
      const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase() ?? "";
      if (!ARCHIVE_TYPES.includes(type))
        throw new HttpError(415, `Send the archive as application/gzip (a .tar.gz), not '${type || "no type"}'`);
      const declared = Number(req.headers["content-length"]);
      if (Number.isFinite(declared) && declared > limits.archiveMaxBytes) {
        res.setHeader("connection", "close");
        throw limitExceeded(413, "ARCHIVE_MAX_BYTES", limits.archiveMaxBytes, `The archive has ${declared} bytes`);
      }
      const { strip } = query(req, archiveQuery);
      const result = await files.uploadArchive(caller, param(req, "id"), req, strip);
      res.status(201).json({ items: result.items.map(fileJson), skipped: result.skipped });
    } catch (err) {
      // Read what the client is still sending so it gets our answer instead of a reset connection.
      if (res.getHeader("connection") !== "close") await discardBody(req, limits.archiveMaxBytes);
      throw err;
    }
  });

  app.get("/api/v1/projects/:id/files", async (req, res) => {
    const caller = requireUser(req);
    const { limit, cursor, prefix } = query(req, filesQuery);
    const after = decodeCursor(cursor, z.string());
    const rows = await files.list(caller, param(req, "id"), limit, {
      ...(after !== undefined ? { after } : {}),
      ...(prefix ? { prefix } : {}),
    });
    const paged = toPage(rows, limit, (f) => f.path);
    res.json({ items: paged.items.map(fileJson), nextCursor: paged.nextCursor });
  });

  app.get("/api/v1/projects/:id/files/:fileId", async (req, res) => {
    const caller = requireUser(req);
    const { revision } = query(req, fileQuery);
    const { file, revision: rev } = await files.get(caller, param(req, "id"), param(req, "fileId"), revision);
    res.json({
      ...fileJson(file),
      // A past revision describes itself; the file's own fields describe the latest.
      revision: rev.revision,
      size: rev.size,
      sha256: rev.sha256,
      language: rev.language,
      content: rev.content,
    });
  });

  app.get("/api/v1/projects/:id/files/:fileId/revisions", async (req, res) => {
    const caller = requireUser(req);
    const { limit, cursor } = query(req, pageQuery);
    const before = decodeCursor(cursor, z.number().int());
    const rows = await files.revisions(caller, param(req, "id"), param(req, "fileId"), limit, before);
    res.json(toPage(rows, limit, (r) => r.revision));
  });

  app.delete("/api/v1/projects/:id/files/:fileId", async (req, res) => {
    await files.delete(requireUser(req), param(req, "id"), param(req, "fileId"));
    res.status(204).end();
  });
}

export const fileDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/api/v1/projects/{id}/files",
    tag: "files",
    summary: "Create or update files by path (editor or owner); a changed path gets a new revision",
    body: filesUpload,
    ok: { 201: { description: "The files as stored", schema: writeOut } },
    errors: [400, 403, 404, 413],
  },
  {
    method: "post",
    path: "/api/v1/projects/{id}/archive",
    tag: "files",
    summary:
      "Upload a repository as a gzip tarball (editor or owner). Links, devices, absolute or '..' paths, " +
      "too many entries or bytes and decompression bombs are refused with nothing written; binary files " +
      "and vendored directories are skipped and counted",
    body: z.string().describe("A .tar.gz stream"),
    bodyType: "application/gzip",
    query: archiveQuery,
    ok: { 201: { description: "The files as stored, and what was skipped", schema: writeOut } },
    errors: [400, 403, 404, 413, 415],
  },
  {
    method: "get",
    path: "/api/v1/projects/{id}/files",
    tag: "files",
    summary: "Latest revision of every file, by path, without content (any member)",
    query: filesQuery,
    ok: { 200: { description: "A page", schema: page(fileOut) } },
    errors: [400, 404],
  },
  {
    method: "get",
    path: "/api/v1/projects/{id}/files/{fileId}",
    tag: "files",
    summary: "A file with its content: the latest revision, or ?revision=n (any member)",
    query: fileQuery,
    ok: { 200: { description: "The file", schema: fileWithContent } },
    errors: [400, 404],
  },
  {
    method: "get",
    path: "/api/v1/projects/{id}/files/{fileId}/revisions",
    tag: "files",
    summary: "A file's revisions, newest first, without content (any member)",
    query: pageQuery,
    ok: { 200: { description: "A page", schema: page(revisionOut) } },
    errors: [400, 404],
  },
  {
    method: "delete",
    path: "/api/v1/projects/{id}/files/{fileId}",
    tag: "files",
    summary: "Delete a file and its history (editor or owner)",
    ok: { 204: { description: "Deleted" } },
    errors: [403, 404],
  },
];
