import { currentContext, definePart, env } from "@crm/kit";

/**
 * The "service" behind every proxy row: a real kit part (express app, request ids, identity check,
 * metrics) whose route does almost nothing, so every row pays the same, small upstream cost and the
 * differences between rows are the proxies'. It also serves the kit's Echo gRPC service for the
 * gRPC rows.
 */
export const BENCH_ROUTE = "/api/v1/projects/bench";

export const benchUpstreamPart = definePart({
  name: "bench-upstream",
  config: {
    BENCH_UPSTREAM_HTTP_PORT: env.port(0, "HTTP port of the bench upstream"),
    BENCH_UPSTREAM_GRPC_PORT: env.port(0, "gRPC port of the bench upstream"),
  },
  httpPortKey: "BENCH_UPSTREAM_HTTP_PORT",
  grpcPortKey: "BENCH_UPSTREAM_GRPC_PORT",
  async create(_config, kit) {
    const grpc = kit.grpcServer([
      {
        file: "crm/kit/v1/echo.proto",
        service: "crm.kit.v1.EchoService",
        handlers: {
          async echo(req: { message: string }) {
            const ctx = currentContext();
            return { message: req.message, requestId: ctx?.requestId, caller: ctx?.identity?.sub, deadlineLeftMs: 0 };
          },
          async *count(req: { to: number }) {
            for (let i = 1; i <= req.to; i++) yield { message: String(i) };
          },
        },
      },
    ]);
    const app = kit.http({
      routes(app) {
        app.get(BENCH_ROUTE, (req, res) => {
          res.json({ id: "bench", name: "bench project", caller: req.identity.sub, role: req.identity.role });
        });
      },
    });
    return { app, grpc, close: async () => {} };
  },
});
