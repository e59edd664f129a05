import { body, requireUser, toHttpError, type Logger } from "@crm/kit";
import type { Express, Request, Response } from "express";
import type { AnswerMeta, Caller, CompletionEngine } from "../domain/engine.js";
import type { ChatChunk, ChatRequest } from "../domain/types.js";
import { chatRequest } from "./schemas.js";

function setMetaHeaders(res: Response, meta: AnswerMeta): void {
  res.setHeader("x-provider", meta.provider);
  res.setHeader("x-model", meta.model);
  res.setHeader("x-cache", meta.cache);
  res.setHeader("x-fallbacks", String(meta.fallbacks));
  res.setHeader("x-retries", String(meta.retries));
  res.setHeader("x-redactions", String(meta.redactions));
}

/** The caller's own timeout shortens the deadline: `x-request-timeout-ms`, or the OpenAI SDK's `x-stainless-timeout` (s). */
function applyCallerTimeout(req: Request): void {
  const ms = Number(req.headers["x-request-timeout-ms"]);
  const sdk = Number(req.headers["x-stainless-timeout"]) * 1000;
  const timeout = [ms, sdk].filter((n) => Number.isFinite(n) && n > 0);
  if (timeout.length === 0) return;
  const deadline = Date.now() + Math.min(...timeout);
  req.context.deadline = Math.min(req.context.deadline ?? Infinity, deadline);
}

function callerOf(req: Request): Caller {
  const identity = requireUser(req);
  const project = req.headers["x-project-id"];
  return {
    userId: identity.sub,
    projectId: typeof project === "string" && project.length <= 200 && project ? project : null,
  };
}

/** Ends with the caller gone: aborts upstream calls. */
function abortOnClose(res: Response): AbortSignal {
  const ac = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) ac.abort();
  });
  return ac.signal;
}

export function chatRoutes(
  app: Express,
  engine: CompletionEngine,
  models: () => Promise<unknown>,
  logger: Logger,
): void {
  app.post("/api/v1/ai/chat/completions", async (req, res) => {
    const caller = callerOf(req);
    const request = body(req, chatRequest) as ChatRequest;
    applyCallerTimeout(req);
    const signal = abortOnClose(res);
    if (!request.stream) {
      const { response, meta } = await engine.complete(request, caller, signal);
      setMetaHeaders(res, meta);
      res.json(response);
      return;
    }
    const includeUsage = request.stream_options?.include_usage === true;
    const write = (data: string) => res.write(`data: ${data}\n\n`);
    try {
      await engine.stream(
        request,
        caller,
        {
          start(meta) {
            setMetaHeaders(res, meta);
            res.status(200);
            res.setHeader("content-type", "text/event-stream; charset=utf-8");
            res.setHeader("cache-control", "no-cache, no-transform");
            res.setHeader("x-accel-buffering", "no");
            res.flushHeaders();
          },
          chunk(chunk: ChatChunk) {
            if (chunk.usage && !includeUsage) {
              if (chunk.choices.length === 0) return;
              const { usage: _usage, ...rest } = chunk;
              write(JSON.stringify(rest));
              return;
            }
            write(JSON.stringify(chunk));
          },
        },
        signal,
      );
      write("[DONE]");
      res.end();
    } catch (err) {
      if (!res.headersSent) throw err;
      // Mid-stream: the status line is gone; end the stream with an OpenAI-style error event.
      const error = toHttpError(err);
      const message =
        error.status >= 500 && !(err as { kind?: string }).kind ? "The answer stream failed" : error.message;
      logger.warn({ status: error.status, detail: message }, "stream ended in error");
      write(
        JSON.stringify({ error: { message, type: "upstream_error", code: error.status, requestId: req.requestId } }),
      );
      res.end();
    }
  });

  app.get("/api/v1/ai/models", async (req, res) => {
    requireUser(req);
    res.json(await models());
  });
}
