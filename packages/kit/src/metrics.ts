import client from "prom-client";

/** One registry per part: in all-in-one mode each part still serves only its own /metrics. */
export interface Metrics {
  registry: client.Registry;
  httpDuration: client.Histogram<"method" | "route" | "status">;
  breakerState: client.Gauge<"breaker">;
  breakerEvents: client.Counter<"breaker" | "event">;
  grpcDuration: client.Histogram<"method" | "code">;
  /** This part's metrics followed by the process-wide default metrics, in Prometheus text. */
  render(): Promise<string>;
}

let defaultsRegistered: client.Registry | undefined;

export function createMetrics(part: string): Metrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service: part });
  // Process metrics describe the process, so they are collected once and merged into each registry.
  if (!defaultsRegistered) {
    defaultsRegistered = new client.Registry();
    client.collectDefaultMetrics({ register: defaultsRegistered });
  }
  const processRegistry = defaultsRegistered;
  const httpDuration = new client.Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const breakerState = new client.Gauge({
    name: "circuit_breaker_state",
    help: "Circuit breaker state: 0 closed, 1 half-open, 2 open",
    labelNames: ["breaker"] as const,
    registers: [registry],
  });
  const breakerEvents = new client.Counter({
    name: "circuit_breaker_events_total",
    help: "Circuit breaker events (success, failure, timeout, reject, open, close, halfOpen)",
    labelNames: ["breaker", "event"] as const,
    registers: [registry],
  });
  const grpcDuration = new client.Histogram({
    name: "grpc_server_handling_seconds",
    help: "gRPC server handling time by method and status code",
    labelNames: ["method", "code"] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  return {
    registry,
    httpDuration,
    breakerState,
    breakerEvents,
    grpcDuration,
    async render() {
      return `${await registry.metrics()}\n${await processRegistry.metrics()}`;
    },
  };
}
