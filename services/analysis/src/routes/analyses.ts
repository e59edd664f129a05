import type { Express, Request } from "express";
import { body, decodeCursor, pageQuery, parse, requireUser, toPage } from "@crm/kit";
import type { Analyses } from "../domain/analyses.js";
import { toSarif } from "../domain/sarif.js";
import { analysisView, findingView, summaryOf } from "../domain/view.js";
import type { FindingsData } from "../data/findings.js";
import type { AnalysesData } from "../data/analyses.js";
import { assertProjectAccess } from "../domain/access.js";
import type { ProjectClient } from "../clients/project.js";
import { notFound } from "@crm/kit";
import { isUuid } from "../data/prisma.js";
import { createAnalysisBody, findingCursor, findingsQuery, listCursor } from "./schemas.js";

export interface RouteDeps {
  analyses: Analyses;
  analysesData: AnalysesData;
  findings: FindingsData;
  project: ProjectClient;
}

const id = (req: Request) => String(req.params.id);

/** Thin HTTP over the analysis use cases; the contract is docs/api.md "Analyses". */
export function analysisRoutes(app: Express, deps: RouteDeps): void {
  const { analyses, findings } = deps;
  const view = async (a: Parameters<typeof analysisView>[0]) => analysisView(a, await summaryOf(a, findings));

  app.post("/api/v1/projects/:id/analyses", async (req, res) => {
    const identity = requireUser(req);
    const input = body(req, createAnalysisBody);
    const created = await analyses.create(identity, id(req), input);
    res
      .status(202)
      .location(`/api/v1/analyses/${created.id}`)
      .json(await view(created));
  });

  app.get("/api/v1/projects/:id/analyses", async (req, res) => {
    const identity = requireUser(req);
    const projectId = id(req);
    if (!isUuid(projectId)) throw notFound("Project");
    await assertProjectAccess(deps.project, identity, projectId, "read");
    const { limit, cursor } = parse(pageQuery, req.query, "query");
    const after = decodeCursor(cursor, listCursor);
    const rows = await deps.analysesData.listByProject(
      projectId,
      limit + 1,
      after ? { createdAt: new Date(after[0]), id: after[1] } : undefined,
    );
    const page = toPage(rows, limit, (a) => [a.createdAt.toISOString(), a.id]);
    res.json({ items: await Promise.all(page.items.map(view)), nextCursor: page.nextCursor });
  });

  app.get("/api/v1/analyses/:id", async (req, res) => {
    res.json(await view(await analyses.visible(requireUser(req), id(req))));
  });

  app.get("/api/v1/analyses/:id/findings", async (req, res) => {
    const analysis = await analyses.visible(requireUser(req), id(req));
    const { limit, cursor } = parse(pageQuery, req.query, "query");
    const filter = parse(findingsQuery, req.query, "query");
    const rows = await findings.list(
      analysis.id,
      {
        ...(filter.severity ? { severity: filter.severity } : {}),
        ...(filter.path?.endsWith("/") ? { pathPrefix: filter.path } : filter.path ? { path: filter.path } : {}),
      },
      limit + 1,
      decodeCursor(cursor, findingCursor),
    );
    const page = toPage(rows, limit, (f) => [f.path, f.line, f.id]);
    res.json({ items: page.items.map(findingView), nextCursor: page.nextCursor });
  });

  app.get("/api/v1/analyses/:id/sarif", async (req, res) => {
    const analysis = await analyses.visible(requireUser(req), id(req));
    const all = [];
    let after: [string, number, string] | undefined;
    for (;;) {
      const rows = await findings.list(analysis.id, {}, 1000, after);
      all.push(...rows);
      const last = rows[rows.length - 1];
      if (rows.length < 1000 || !last) break;
      after = [last.path, last.line, last.id];
    }
    res.type("application/sarif+json").send(JSON.stringify(toSarif(analysis, all)));
  });

  app.post("/api/v1/analyses/:id/cancel", async (req, res) => {
    const analysis = await analyses.cancel(requireUser(req), id(req));
    res.status(202).json(await view(analysis));
  });
}
