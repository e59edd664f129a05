import type { Express } from "express";
import { requireUser, type Lifecycle, type Logger } from "@crm/kit";
import type { Analyses } from "../domain/analyses.js";
import type { ProgressHub } from "../domain/events.js";
import { TERMINAL } from "../domain/types.js";
import { analysisView, summaryOf } from "../domain/view.js";
import type { AnalysesData } from "../data/analyses.js";
import type { FindingsData } from "../data/findings.js";

export interface EventDeps {
  analyses: Analyses;
  analysesData: AnalysesData;
  findings: FindingsData;
  hub: ProgressHub;
  lifecycle: Lifecycle;
  logger: Logger;
  pollMs?: number;
}

/**
 * GET /api/v1/analyses/{id}/events: Server-Sent Events. `progress` events ({id, status,
 * progress}) whenever progress or status changes, then one `end` event with the whole analysis,
 * and the stream closes. Changes made in this instance arrive at once; the database is polled
 * for those made by workers elsewhere. Comments keep proxies from timing the stream out.
 */
export function eventRoutes(app: Express, deps: EventDeps): void {
  app.get("/api/v1/analyses/:id/events", async (req, res) => {
    const analysis = await deps.analyses.visible(requireUser(req), String(req.params.id));
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write("retry: 2000\n\n");
    let seq = 0;
    let last = "";
    let closed = false;
    let busy: Promise<void> = Promise.resolve();
    const write = (event: string, data: unknown) =>
      res.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      clearInterval(ping);
      unsubscribe();
      res.end();
    };
    const check = async () => {
      if (closed) return;
      const a = await deps.analysesData.get(analysis.id);
      if (!a) return close();
      const progress = { id: a.id, status: a.status, progress: { done: a.progressDone, total: a.progressTotal } };
      const key = JSON.stringify(progress);
      if (key !== last) {
        last = key;
        write("progress", progress);
      }
      if (TERMINAL.has(a.status)) {
        write("end", analysisView(a, await summaryOf(a, deps.findings)));
        close();
      } else if (deps.lifecycle.shuttingDown) close(); // clients reconnect to another instance
    };
    // Checks run one at a time, in order, however often they are triggered.
    const trigger = () => {
      busy = busy
        .then(check)
        .catch((err: unknown) => deps.logger.warn({ err, analysisId: analysis.id }, "event stream check failed"));
    };
    const unsubscribe = deps.hub.subscribe(analysis.id, trigger);
    const poll = setInterval(trigger, deps.pollMs ?? 1000);
    const ping = setInterval(() => res.write(": ping\n\n"), 15_000);
    req.on("close", close);
    trigger();
  });
}
