import type { Express, Request, Response } from "express";
import { badRequest, body, decodeCursor, pageQuery, parse, query, requireUser, toPage } from "@crm/kit";
import { z } from "zod";
import type { EventRow, LabelRow } from "../data/labels.js";
import type { Labels, Preconditions } from "../domain/labels.js";
import type { RouteDoc } from "../openapi.js";
import { historyOut, labelMove, labelName, labelOut, labelRollback, page } from "./schemas.js";

export function labelJson(l: LabelRow, previousVersion?: number | null) {
  return {
    name: l.name,
    version: l.version,
    ...(previousVersion !== undefined ? { previousVersion } : {}),
    revision: l.revision,
    updatedBy: l.updatedBy,
    updatedAt: l.updatedAt,
  };
}

function eventJson(e: EventRow) {
  return {
    revision: e.revision,
    action: e.action,
    version: e.version,
    previousVersion: e.previousVersion,
    movedBy: e.movedBy,
    movedAt: e.movedAt,
  };
}

const id = (req: Request) => String(req.params.id ?? "");
const label = (req: Request) => parse(labelName, req.params.label, "params");

/** `If-Match: "3"` (or W/"3") → revision 3; absent → no revision precondition. */
function preconditions(req: Request, expectedVersion: number | undefined): Preconditions {
  const pre: Preconditions = {};
  const header = req.headers["if-match"];
  if (header !== undefined) {
    const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
    if (!match) throw badRequest(`If-Match must be the label's ETag, e.g. "3" (got ${header.slice(0, 50)})`);
    pre.revision = Number(match[1]);
  }
  if (expectedVersion !== undefined) pre.expectedVersion = expectedVersion;
  return pre;
}

const sendLabel = (res: Response, l: LabelRow, previousVersion?: number | null) =>
  res.setHeader("etag", `"${l.revision}"`).json(labelJson(l, previousVersion));

/** Thin HTTP layer over label moves, rollback and history. */
export function mountLabelRoutes(app: Express, labels: Labels): void {
  app.get("/api/v1/experiments/:id/labels", async (req, res) => {
    const rows = await labels.list(requireUser(req), id(req));
    res.json({ items: rows.map((l) => labelJson(l)), nextCursor: null });
  });

  app.get("/api/v1/experiments/:id/labels/:label", async (req, res) => {
    sendLabel(res, await labels.get(requireUser(req), id(req), label(req)));
  });

  app.put("/api/v1/experiments/:id/labels/:label", async (req, res) => {
    const caller = requireUser(req);
    const name = label(req);
    const input = body(req, labelMove);
    const moved = await labels.move(caller, id(req), name, input.version, preconditions(req, input.expectedVersion));
    sendLabel(res, moved.label, moved.previousVersion);
  });

  app.post("/api/v1/experiments/:id/labels/:label/rollback", async (req, res) => {
    const caller = requireUser(req);
    const name = label(req);
    const input = body(req, labelRollback);
    const moved = await labels.rollback(caller, id(req), name, preconditions(req, input.expectedVersion));
    sendLabel(res, moved.label, moved.previousVersion);
  });

  app.get("/api/v1/experiments/:id/labels/:label/history", async (req, res) => {
    const caller = requireUser(req);
    const { limit, cursor } = query(req, pageQuery);
    const rows = await labels.history(caller, id(req), label(req), limit, decodeCursor(cursor, z.number().int()));
    const paged = toPage(rows, limit, (e) => e.revision);
    res.json({ items: paged.items.map(eventJson), nextCursor: paged.nextCursor });
  });
}

const ifMatch = "Optional If-Match: the label's ETag (revision); a stale one gets 412";

export const labelDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/api/v1/experiments/{id}/labels",
    tag: "labels",
    summary: "The experiment's labels and the versions they point at",
    ok: { 200: { description: "Labels", schema: page(labelOut) } },
    errors: [404, 503],
  },
  {
    method: "get",
    path: "/api/v1/experiments/{id}/labels/{label}",
    tag: "labels",
    summary: "One label (ETag: its revision)",
    ok: { 200: { description: "The label", schema: labelOut } },
    errors: [400, 404, 503],
  },
  {
    method: "put",
    path: "/api/v1/experiments/{id}/labels/{label}",
    tag: "labels",
    summary: `Point a label at a version (editor). Racing moves never overwrite each other silently: the loser gets 409, or 412 with a precondition. ${ifMatch}`,
    body: labelMove,
    ok: { 200: { description: "The label after the move", schema: labelOut } },
    errors: [400, 403, 404, 409, 412, 503],
  },
  {
    method: "post",
    path: "/api/v1/experiments/{id}/labels/{label}/rollback",
    tag: "labels",
    summary: `Move the label back to the version it held before (repeatable, one holding at a time). ${ifMatch}`,
    body: labelRollback,
    ok: { 200: { description: "The label after the rollback", schema: labelOut } },
    errors: [400, 403, 404, 409, 412, 503],
  },
  {
    method: "get",
    path: "/api/v1/experiments/{id}/labels/{label}/history",
    tag: "labels",
    summary: "Every move of the label, newest first",
    query: pageQuery,
    ok: { 200: { description: "A page", schema: page(historyOut) } },
    errors: [400, 404, 503],
  },
];
