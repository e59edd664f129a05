#!/usr/bin/env node
import proxy from "@fastify/http-proxy";
import Fastify from "fastify";
import { announce, exitOnSignal, requiredEnv } from "./announce.js";

/** A peer Node gateway: fastify + @fastify/http-proxy (undici pool), defaults, no logger. Env: UPSTREAM_URL, PORT. */
const app = Fastify({ logger: false });
await app.register(proxy, { upstream: requiredEnv("UPSTREAM_URL") });
await app.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
announce("fastify-proxy", { port: (app.server.address() as { port: number }).port });
exitOnSignal(() => app.close());
