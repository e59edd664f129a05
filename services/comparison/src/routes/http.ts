import type { Express, Request } from "express";
import { body, query, requireUser } from "@crm/kit";
import { abTestView, type AbTests } from "../domain/abtests.js";
import { comparisonView, type Comparisons } from "../domain/comparisons.js";
import * as s from "./schemas.js";

const id = (req: Request) => String(req.params.id);

/** Thin HTTP over comparisons and A/B tests; the contract is docs/api.md "Comparisons and A/B tests". */
export function comparisonRoutes(app: Express, comparisons: Comparisons, abTests: AbTests): void {
  app.post("/api/v1/comparisons", async (req, res) => {
    const created = await comparisons.create(requireUser(req), body(req, s.createComparisonBody));
    res.status(202).location(`/api/v1/comparisons/${created.id}`).json(comparisonView(created));
  });

  app.get("/api/v1/comparisons/:id", async (req, res) => {
    res.json(comparisonView(await comparisons.visible(requireUser(req), id(req))));
  });

  app.post("/api/v1/ab-tests", async (req, res) => {
    const created = await abTests.create(requireUser(req), body(req, s.createAbTestBody));
    res.status(201).location(`/api/v1/ab-tests/${created.id}`).json(abTestView(created));
  });

  app.get("/api/v1/ab-tests/:id", async (req, res) => {
    res.json(abTestView(await abTests.visible(requireUser(req), id(req))));
  });

  app.get("/api/v1/ab-tests/:id/assignment", async (req, res) => {
    const test = await abTests.visible(requireUser(req), id(req));
    const { subject } = query(req, s.assignmentQuery);
    res.json({ variant: abTests.assignment(test, subject).version, subject, testId: test.id });
  });

  app.post("/api/v1/ab-tests/:id/events", async (req, res) => {
    const test = await abTests.visible(requireUser(req), id(req));
    const event = body(req, s.eventBody);
    res.status(202).json(await abTests.event(test, event.subject, event.type));
  });

  app.get("/api/v1/ab-tests/:id/results", async (req, res) => {
    res.json(await abTests.results(await abTests.visible(requireUser(req), id(req))));
  });

  app.post("/api/v1/ab-tests/:id/stop", async (req, res) => {
    const test = await abTests.visible(requireUser(req), id(req), "write");
    const { promote } = body(req, s.stopBody);
    res.json(await abTests.stop(test, promote ?? false));
  });
}
