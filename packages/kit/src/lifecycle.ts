/** Shared by a part's HTTP and gRPC servers: what /health, /ready and /health/startup report. */
export class Lifecycle {
  started = false;
  shuttingDown = false;
  /** In-flight requests and calls, so shutdown can wait for them. */
  private inflight = 0;
  private idleWaiters: (() => void)[] = [];

  /** When the last request or call started (epoch ms). */
  lastStarted = 0;

  enter(): void {
    this.inflight++;
    this.lastStarted = Date.now();
  }

  leave(): void {
    this.inflight--;
    if (this.inflight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  get active(): number {
    return this.inflight;
  }

  /**
   * Resolves true once nothing is in flight and nothing new started for `quietMs` (requests may
   * still arrive on open keep-alive connections right after the listener closed); false when the
   * timeout came first.
   */
  async settled(timeoutMs: number, quietMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!(await this.drained(Math.max(0, deadline - Date.now())))) return false;
      const wait = this.lastStarted + quietMs - Date.now();
      if (wait <= 0) return true;
      if (Date.now() + wait > deadline) return this.inflight === 0;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** Resolves true when nothing is in flight, false when the timeout came first. */
  async drained(timeoutMs: number): Promise<boolean> {
    if (this.inflight === 0) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
