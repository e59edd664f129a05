import { problemSchema, type Logger } from "@crm/kit";
import { resolveRoute, type UpstreamName } from "./routes.js";

type Json = Record<string, unknown>;

export interface OpenApiSource {
  name: UpstreamName;
  url: string;
}

const problem = {
  description: "RFC 9457 problem",
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
};

/** What the gateway itself serves and declares; upstream paths are merged into it. */
export function gatewayDocument(): Json {
  return {
    openapi: "3.1.0",
    info: {
      title: "CodeReview Mesh API",
      version: "1.0.0",
      description:
        "Public REST API of CodeReview Mesh, served by the gateway. Send `Authorization: Bearer <access token or API key>` (API keys also as `X-API-Key`). Errors are `application/problem+json` with a `requestId`; every response carries `x-request-id`; 429 answers carry `Retry-After` and `RateLimit-*` headers.",
    },
    servers: [{ url: "/" }],
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }, {}],
    tags: [{ name: "operations", description: "Liveness, readiness and metrics (no auth)" }],
    paths: {
      "/health": { get: op("Liveness", { 200: json("Alive"), 503: json("Shutting down") }) },
      "/health/startup": { get: op("Startup probe", { 200: json("Started"), 503: json("Starting") }) },
      "/ready": {
        get: op("Readiness with components (upstreams are non-critical)", {
          200: json("Ready", { $ref: "#/components/schemas/Readiness" }),
          503: json("Not ready", { $ref: "#/components/schemas/Readiness" }),
        }),
      },
      "/metrics": {
        get: op("Prometheus metrics", {
          200: { description: "Prometheus text exposition", content: { "text/plain": { schema: { type: "string" } } } },
        }),
      },
      "/api/openapi.json": { get: op("This document", { 200: json("OpenAPI 3.1 document") }) },
    },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT or crm_ API key",
          description: "Access token from POST /api/v1/auth/login, or an API key",
        },
        apiKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key" },
      },
      schemas: {
        Problem: problemSchema,
        Readiness: {
          type: "object",
          properties: {
            status: { type: "string" },
            components: {
              type: "array",
              items: {
                type: "object",
                properties: {
                  name: { type: "string" },
                  critical: { type: "boolean" },
                  status: { type: "string", enum: ["up", "down"] },
                  latencyMs: { type: "number" },
                  error: { type: "string" },
                },
              },
            },
          },
        },
      },
      responses: {
        Problem: problem,
      },
    },
  };

  function op(summary: string, responses: Record<number, unknown>): Json {
    return { tags: ["operations"], summary, security: [], responses };
  }
  function json(description: string, schema: Json = { type: "object" }): Json {
    return { description, content: { "application/json": { schema } } };
  }
}

interface Cached {
  doc: Json | undefined;
  at: number;
}

/**
 * Builds /api/openapi.json: the gateway's own document plus, from each configured upstream's
 * `GET /openapi.json`, the `paths` that the route table sends to that upstream (anything else
 * an upstream lists is ignored) and its `components` (first definition of a name wins). Each
 * upstream document is cached for `cacheMs`; an upstream that is down is left out until it
 * answers again (listed under `x-unavailable-upstreams`).
 */
export class OpenApiMerger {
  private readonly cache = new Map<UpstreamName, Cached>();
  private readonly pending = new Map<UpstreamName, Promise<Json | undefined>>();

  constructor(
    private readonly sources: OpenApiSource[],
    private readonly opts: { cacheMs: number; timeoutMs: number; logger: Logger },
  ) {}

  async document(): Promise<Json> {
    const doc = gatewayDocument();
    const paths = doc.paths as Json;
    const components = doc.components as Record<string, Json>;
    const tags = doc.tags as { name: string }[];
    const unavailable: string[] = [];
    const docs = await Promise.all(this.sources.map(async (s) => [s, await this.upstreamDoc(s)] as const));
    for (const [source, upstream] of docs) {
      if (!upstream) {
        unavailable.push(source.name);
        continue;
      }
      for (const [path, item] of Object.entries((upstream.paths as Json | undefined) ?? {})) {
        if (resolveRoute(path.replace(/\{[^}]+\}/g, "x"))?.upstream !== source.name) continue;
        if (!(path in paths)) paths[path] = item;
      }
      for (const [section, entries] of Object.entries(
        (upstream.components as Record<string, Json> | undefined) ?? {},
      )) {
        if (!entries || typeof entries !== "object") continue;
        const target = (components[section] ??= {});
        for (const [name, value] of Object.entries(entries)) if (!(name in target)) target[name] = value;
      }
      for (const tag of (upstream.tags as { name: string }[] | undefined) ?? []) {
        if (tag?.name && !tags.some((t) => t.name === tag.name)) tags.push(tag);
      }
    }
    if (unavailable.length) doc["x-unavailable-upstreams"] = unavailable;
    return doc;
  }

  private async upstreamDoc(source: OpenApiSource): Promise<Json | undefined> {
    const cached = this.cache.get(source.name);
    if (cached && Date.now() - cached.at < this.opts.cacheMs) return cached.doc;
    let pending = this.pending.get(source.name);
    if (!pending) {
      pending = this.fetchDoc(source).finally(() => this.pending.delete(source.name));
      this.pending.set(source.name, pending);
    }
    return pending;
  }

  private async fetchDoc(source: OpenApiSource): Promise<Json | undefined> {
    let doc: Json | undefined;
    try {
      const res = await fetch(`${source.url}/openapi.json`, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      if (res.status !== 200) throw new Error(`answered ${res.status}`);
      const body = (await res.json()) as Json;
      if (!body || typeof body !== "object" || typeof body.paths !== "object") throw new Error("no paths object");
      doc = body;
    } catch (err) {
      this.opts.logger.warn(
        { upstream: source.name, err: { message: (err as Error).message } },
        "upstream OpenAPI document unavailable",
      );
    }
    // A failure is cached too (briefly), so a dead upstream does not slow every docs request.
    this.cache.set(source.name, {
      doc,
      at: doc ? Date.now() : Date.now() - this.opts.cacheMs + Math.min(5000, this.opts.cacheMs),
    });
    return doc;
  }
}
