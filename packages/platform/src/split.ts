import { spawn, type ChildProcess } from "node:child_process";
import type { Logger } from "@crm/kit";
import type { LoadedPart } from "./registry.js";

/**
 * One process per part, started from each part's own `main`: what containers do, on one machine.
 * A part that exits on its own stops the rest (the platform is not half-up).
 */
export async function runSplit(
  parts: LoadedPart[],
  env: Record<string, string>,
  logger: Logger,
  cleanup: () => Promise<void>,
): Promise<void> {
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      ),
    );
    await cleanup();
    process.exit(code);
  };
  for (const part of parts) {
    const child = spawn(process.execPath, [part.main], { env, stdio: ["ignore", "inherit", "inherit"] });
    children.set(part.name, child);
    child.once("exit", (code, signal) => {
      if (stopping) return;
      logger.error({ part: part.name, code, signal }, "part exited; stopping the platform");
      void stopAll(1);
    });
  }
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void stopAll(0));
}
