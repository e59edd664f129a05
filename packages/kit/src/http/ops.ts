import type { Request, Response, Router } from "express";
import express from "express";
import type { Lifecycle } from "../lifecycle.js";
import type { Metrics } from "../metrics.js";

export interface ReadinessCheck {
  name: string;
  /** Throws when the component cannot serve. */
  check: () => Promise<void>;
  /**
   * Whether this part is not ready while the component is down (default true). A gateway lists
   * its upstreams as non-critical: one dead service must not take the whole edge out of rotation.
   */
  critical?: boolean;
}

export interface ComponentStatus {
  name: string;
  critical: boolean;
  status: "up" | "down";
  latencyMs: number;
  error?: string;
}

const CHECK_TIMEOUT_MS = 2000;

export async function runChecks(checks: ReadinessCheck[]): Promise<ComponentStatus[]> {
  return Promise.all(
    checks.map(async ({ name, check, critical = true }) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("timed out")), CHECK_TIMEOUT_MS);
          }),
        ]);
        return { name, critical, status: "up" as const, latencyMs: Math.round(performance.now() - started) };
      } catch (err) {
        return {
          name,
          critical,
          status: "down" as const,
          latencyMs: Math.round(performance.now() - started),
          error: (err as Error).message ?? String(err),
        };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

/** /health, /ready, /health/startup and /metrics: outside auth, same on every part. */
export function opsRouter(lifecycle: Lifecycle, metrics: Metrics, checks: ReadinessCheck[]): Router {
  const router = express.Router();
  router.get("/health", (_req: Request, res: Response) => {
    res.status(lifecycle.shuttingDown ? 503 : 200).json({ status: lifecycle.shuttingDown ? "stopping" : "ok" });
  });
  router.get("/health/startup", (_req, res) => {
    res.status(lifecycle.started ? 200 : 503).json({ status: lifecycle.started ? "started" : "starting" });
  });
  router.get("/ready", async (_req, res) => {
    if (lifecycle.shuttingDown) {
      res.status(503).json({ status: "stopping", components: [] });
      return;
    }
    const components = await runChecks(checks);
    const ready = lifecycle.started && components.every((c) => c.status === "up" || !c.critical);
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "not_ready", components });
  });
  router.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.render());
  });
  return router;
}
