import type http from "node:http";

/**
 * The bench's own servers announce themselves with the same JSON line kit parts log when they
 * listen, so `startProcess` from @crm/kit/testing waits for all of them the same way.
 */
export function announce(name: string, server: http.Server | { port: number }): void {
  const port = "port" in server ? server.port : (server.address() as { port: number }).port;
  process.stdout.write(`${JSON.stringify({ level: 30, service: name, httpPort: port, msg: "part started" })}\n`);
}

/** Exits on SIGTERM/SIGINT after closing the server (the bench stops every child it started). */
export function exitOnSignal(close: () => Promise<unknown> | void): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    process.once(signal, () => {
      const timer = setTimeout(() => process.exit(0), 2000);
      timer.unref();
      void Promise.resolve(close()).finally(() => process.exit(0));
    });
}

export function requiredEnv(key: string): string {
  const value = process.env[key];
  if (!value) {
    process.stderr.write(`${key} is required\n`);
    process.exit(2);
  }
  return value;
}
