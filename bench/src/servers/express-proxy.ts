#!/usr/bin/env node
import express from "express";
import { createProxyMiddleware } from "http-proxy-middleware";
import { announce, exitOnSignal, requiredEnv } from "./announce.js";

/** express + http-proxy-middleware with its defaults and no features. Env: UPSTREAM_URL, PORT. */
const app = express();
app.use(createProxyMiddleware({ target: requiredEnv("UPSTREAM_URL") }));
const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => announce("express-proxy", server));
exitOnSignal(() => new Promise((r) => server.close(r)));
