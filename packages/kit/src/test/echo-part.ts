import { setTimeout as sleep } from "node:timers/promises";
import express from "express";
import { z } from "zod";
import { currentContext, remainingMs } from "../context.js";
import { env } from "../config.js";
import { HttpError } from "../errors.js";
import { body } from "../http/validate.js";
import { definePart } from "../part.js";

/**
 * A tiny part used by the kit's own tests: HTTP routes that call a gRPC peer (itself, or another
 * instance named by ECHO_PEER_ADDR), so request ids, identity, deadlines and breakers are exercised
 * over real sockets.
 */
export const echoPart = definePart({
  name: "echo",
  config: {
    ECHO_HTTP_PORT: env.port(0, "HTTP port"),
    ECHO_GRPC_PORT: env.port(0, "gRPC port"),
    ECHO_PEER_ADDR: env.grpcAddress("Where the echo gRPC peer listens").optional(),
    ECHO_TIMEOUT_MS: env.int(1000, "gRPC deadline"),
  },
  httpPortKey: "ECHO_HTTP_PORT",
  grpcPortKey: "ECHO_GRPC_PORT",
  async create(config, kit) {
    const grpc = kit.grpcServer([
      {
        file: "crm/kit/v1/echo.proto",
        service: "crm.kit.v1.EchoService",
        handlers: {
          async echo(req: { message: string; delayMs: number; failWithStatus: number }) {
            const ctx = currentContext();
            const left = remainingMs() ?? -1;
            if (req.delayMs) await sleep(req.delayMs);
            if (req.failWithStatus) throw new HttpError(req.failWithStatus, `failing with ${req.failWithStatus}`);
            kit.logger.warn({ message: req.message }, "echo handled");
            return {
              message: req.message,
              requestId: ctx?.requestId,
              caller: ctx?.identity?.sub,
              deadlineLeftMs: left,
            };
          },
          async *count(req: { to: number }) {
            for (let i = 1; i <= req.to; i++) yield { message: String(i) };
          },
        },
      },
    ]);
    let peer: ReturnType<typeof kit.grpcClient> | undefined;
    const client = () =>
      (peer ??= kit.grpcClient({
        peer: "echo-peer",
        address: config.ECHO_PEER_ADDR ?? "127.0.0.1:1",
        file: "crm/kit/v1/echo.proto",
        service: "crm.kit.v1.EchoService",
        timeoutMs: config.ECHO_TIMEOUT_MS,
        idempotent: ["Echo"],
        breaker: { volumeThreshold: 3, resetTimeoutMs: 500, errorThresholdPercentage: 50 },
      }));
    const app = kit.http({
      requestTimeoutMs: 2000,
      readiness: [{ name: "always", check: async () => {} }],
      routes(app) {
        app.post("/api/echo", async (req, res) => {
          const input = body(
            req,
            z.object({
              message: z.string().max(100).default(""),
              delayMs: z.number().int().default(0),
              failWithStatus: z.number().int().default(0),
            }),
          );
          res.json(await client().unary("Echo", input));
        });
        app.get("/api/count", async (_req, res) => {
          const items: string[] = [];
          for await (const item of client().stream<{ message: string }>("Count", { to: 3 })) items.push(item.message);
          res.json({ items });
        });
        app.get("/api/slow", async (req, res) => {
          await sleep(Number(req.query.ms ?? 300));
          res.json({ done: true });
        });
        app.post("/api/raw", express.text(), (req, res) => res.json({ length: String(req.body).length }));
      },
    });
    return { app, grpc, close: async () => peer?.close() };
  },
});
