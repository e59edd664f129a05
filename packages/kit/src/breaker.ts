import CircuitBreaker from "opossum";
import { unavailable } from "./errors.js";
import type { Metrics } from "./metrics.js";

export type BreakerState = "closed" | "open" | "halfOpen";

export interface BreakerOptions {
  /** Percentage of failures in the rolling window that opens the breaker. */
  errorThresholdPercentage?: number;
  /** Calls needed in the window before the percentage counts. */
  volumeThreshold?: number;
  /** How long the breaker stays open before letting one trial call through. */
  resetTimeoutMs?: number;
  rollingWindowMs?: number;
  /** Errors for which this returns false are the caller's fault and do not count against the peer. */
  isFailure?: (err: unknown) => boolean;
  /** Keep per-call latencies for stats().latencyMean (costs CPU per call; off by default). */
  trackLatency?: boolean;
}

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, halfOpen: 1, open: 2 };

/**
 * One opossum breaker around any async call to one dependency. Deadlines are enforced by the
 * call itself (gRPC deadline, proxy timeout), so opossum's own timer is off.
 */
export class Breaker {
  readonly name: string;
  private readonly cb: CircuitBreaker<[() => Promise<unknown>], unknown>;

  constructor(name: string, options: BreakerOptions = {}, metrics?: Metrics) {
    this.name = name;
    const isFailure = options.isFailure;
    this.cb = new CircuitBreaker((fn: () => Promise<unknown>) => fn(), {
      name,
      timeout: false,
      errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
      volumeThreshold: options.volumeThreshold ?? 5,
      resetTimeout: options.resetTimeoutMs ?? 5000,
      rollingCountTimeout: options.rollingWindowMs ?? 10000,
      // Per-call latency arrays cost CPU on every call; only breakers whose latency is reported
      // (AI targets) keep them. Snapshots are never read.
      rollingPercentilesEnabled: options.trackLatency ?? false,
      enableSnapshots: false,
      ...(isFailure ? { errorFilter: (err: unknown) => !isFailure(err) } : {}),
    });
    if (metrics) {
      // Labelled children are built once here, not per call (success fires on every call).
      const state = metrics.breakerState.labels(name);
      const publish = () => state.set(STATE_VALUE[this.state]);
      publish();
      // opossum's typings overload `on` per event name, so a loop over names needs a plain emitter view.
      const emitter = this.cb as unknown as NodeJS.EventEmitter;
      for (const event of ["open", "close", "halfOpen"]) {
        const counter = metrics.breakerEvents.labels(name, event);
        emitter.on(event, () => {
          publish();
          counter.inc();
        });
      }
      for (const event of ["success", "failure", "reject"]) {
        const counter = metrics.breakerEvents.labels(name, event);
        emitter.on(event, () => counter.inc());
      }
    }
  }

  get state(): BreakerState {
    if (this.cb.opened) return "open";
    if (this.cb.halfOpen) return "halfOpen";
    return "closed";
  }

  /** Runs fn through the breaker; an open breaker fails at once with 503 naming the dependency. */
  async fire<T>(fn: () => Promise<T>, dependency = this.name): Promise<T> {
    try {
      return (await this.cb.fire(fn)) as T;
    } catch (err) {
      if ((err as { code?: string }).code === "EOPENBREAKER") {
        throw unavailable(dependency, `Dependency '${dependency}' is unavailable (circuit open)`);
      }
      throw err;
    }
  }

  stats(): { state: BreakerState; failures: number; successes: number; rejects: number; latencyMean: number } {
    const s = this.cb.stats;
    return {
      state: this.state,
      failures: s.failures,
      successes: s.successes,
      rejects: s.rejects,
      latencyMean: s.latencyMean,
    };
  }

  shutdown(): void {
    this.cb.shutdown();
  }
}
