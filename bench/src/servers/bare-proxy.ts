#!/usr/bin/env node
import http from "node:http";
import { announce, exitOnSignal, requiredEnv } from "./announce.js";

/**
 * The ceiling for any Node gateway: node:http in, node:http out over a keep-alive agent, bodies
 * piped, no routing, no features. Env: UPSTREAM_URL, PORT (0 = any).
 */
const upstream = new URL(requiredEnv("UPSTREAM_URL"));
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });

const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const out = http.request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream.host },
      agent,
    },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  out.on("error", () => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end("bad gateway");
  });
  req.pipe(out);
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => announce("bare-proxy", server));
exitOnSignal(() => new Promise((r) => server.close(r)));
