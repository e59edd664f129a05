/** Shared by a part's HTTP and gRPC servers: what /health, /ready and /health/startup report. */
export class Lifecycle {
  started = false;
  shuttingDown = false;
  /** In-flight requests and calls, so shutdown can wait for them. */
  private inflight = 0;
  private idleWaiters: (() => void)[] = [];

  enter(): void {
    this.inflight++;
  }

  leave(): void {
    this.inflight--;
    if (this.inflight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  get active(): number {
    return this.inflight;
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
