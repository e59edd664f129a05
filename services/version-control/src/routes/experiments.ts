import type { Express, Request } from "express";
import type { Experiment } from "@crm/db";
import { body, decodeCursor, pageQuery, parse, query, requireUser, toPage } from "@crm/kit";
import { z } from "zod";
import type { VersionRow } from "../data/experiments.js";
import type { Experiments } from "../domain/experiments.js";
import type { RouteDoc } from "../openapi.js";
import { labelJson } from "./labels.js";
import type { LabelRow } from "../data/labels.js";
import {
  diffOut,
  experimentCreate,
  experimentOut,
  experimentsQuery,
  page,
  versionCreate,
  versionNumber,
  versionOut,
} from "./schemas.js";

export function experimentJson(e: Experiment, labels?: LabelRow[]) {
  return {
    id: e.id,
    name: e.name,
    description: e.description,
    projectId: e.projectId,
    createdBy: e.createdBy,
    latestVersion: e.latestVersion,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    ...(labels ? { labels: labels.map((l) => labelJson(l)) } : {}),
  };
}

export function versionJson(v: VersionRow) {
  return {
    experimentId: v.experimentId,
    version: v.version,
    configHash: v.configHash,
    parentVersion: v.parentVersion,
    createdBy: v.createdBy,
    createdAt: v.createdAt,
    message: v.message,
    config: v.config,
  };
}

const id = (req: Request) => String(req.params.id ?? "");
const versionParam = (req: Request, name: string) => parse(versionNumber, req.params[name], "params");
const cursorShape = z.object({ createdAt: z.string(), id: z.string() });

/** Thin HTTP layer over experiment and version use cases. */
export function mountExperimentRoutes(app: Express, experiments: Experiments): void {
  app.post("/api/v1/experiments", async (req, res) => {
    const caller = requireUser(req);
    const experiment = await experiments.create(caller, body(req, experimentCreate));
    res.status(201).location(`/api/v1/experiments/${experiment.id}`).json(experimentJson(experiment, []));
  });

  app.get("/api/v1/experiments", async (req, res) => {
    const caller = requireUser(req);
    const { limit, cursor, projectId } = query(req, experimentsQuery);
    const after = decodeCursor(cursor, cursorShape);
    const rows = await experiments.list(caller, limit, {
      ...(projectId ? { projectId } : {}),
      ...(after ? { after } : {}),
    });
    const paged = toPage(rows, limit, (e) => ({ createdAt: e.createdAt.toISOString(), id: e.id }));
    res.json({ items: paged.items.map((e) => experimentJson(e)), nextCursor: paged.nextCursor });
  });

  app.get("/api/v1/experiments/:id", async (req, res) => {
    const { experiment, labels } = await experiments.get(requireUser(req), id(req));
    res.json(experimentJson(experiment, labels));
  });

  app.post("/api/v1/experiments/:id/versions", async (req, res) => {
    const caller = requireUser(req);
    const input = body(req, versionCreate);
    const version = await experiments.addVersion(caller, id(req), input);
    res
      .status(201)
      .location(`/api/v1/experiments/${id(req)}/versions/${version.version}`)
      .json(versionJson(version));
  });

  app.get("/api/v1/experiments/:id/versions", async (req, res) => {
    const caller = requireUser(req);
    const { limit, cursor } = query(req, pageQuery);
    const rows = await experiments.versions(caller, id(req), limit, decodeCursor(cursor, z.number().int()));
    const paged = toPage(rows, limit, (v) => v.version);
    res.json({ items: paged.items.map(versionJson), nextCursor: paged.nextCursor });
  });

  app.get("/api/v1/experiments/:id/versions/:n", async (req, res) => {
    const caller = requireUser(req);
    res.json(versionJson(await experiments.version(caller, id(req), versionParam(req, "n"))));
  });

  app.get("/api/v1/experiments/:id/versions/:a/diff/:b", async (req, res) => {
    const caller = requireUser(req);
    res.json(await experiments.diff(caller, id(req), versionParam(req, "a"), versionParam(req, "b")));
  });
}

export const experimentDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/api/v1/experiments",
    tag: "experiments",
    summary: "Create an experiment, optionally in a project (needs editor there)",
    body: experimentCreate,
    ok: { 201: { description: "Created", schema: experimentOut } },
    errors: [400, 403, 404, 503],
  },
  {
    method: "get",
    path: "/api/v1/experiments",
    tag: "experiments",
    summary: "Experiments the caller may see (own, and those of its projects), newest first",
    query: experimentsQuery,
    ok: { 200: { description: "A page", schema: page(experimentOut) } },
    errors: [400, 503],
  },
  {
    method: "get",
    path: "/api/v1/experiments/{id}",
    tag: "experiments",
    summary: "An experiment with its labels",
    ok: { 200: { description: "The experiment", schema: experimentOut } },
    errors: [404, 503],
  },
  {
    method: "post",
    path: "/api/v1/experiments/{id}/versions",
    tag: "versions",
    summary: "Add an immutable version: numbered 1, 2, 3… per experiment, config validated and hashed",
    body: versionCreate,
    ok: { 201: { description: "The new version", schema: versionOut } },
    errors: [400, 403, 404, 503],
  },
  {
    method: "get",
    path: "/api/v1/experiments/{id}/versions",
    tag: "versions",
    summary: "Versions in order",
    query: pageQuery,
    ok: { 200: { description: "A page", schema: page(versionOut) } },
    errors: [400, 404, 503],
  },
  {
    method: "get",
    path: "/api/v1/experiments/{id}/versions/{n}",
    tag: "versions",
    summary: "One version",
    ok: { 200: { description: "The version", schema: versionOut } },
    errors: [400, 404, 503],
  },
  {
    method: "get",
    path: "/api/v1/experiments/{id}/versions/{a}/diff/{b}",
    tag: "versions",
    summary: "What changed from version a to version b (add/remove/replace with JSON pointers)",
    ok: { 200: { description: "The changes", schema: diffOut } },
    errors: [400, 404, 503],
  },
];
