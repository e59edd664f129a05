import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local server speaking the OpenAI chat-completions and Anthropic Messages APIs, with scripted
 * faults per model. It records every request it receives (to check redaction and routing).
 */
export type Behavior =
  | { kind: "ok"; content?: string; delayMs?: number; usage?: { input: number; output: number } }
  | { kind: "status"; status: number; retryAfter?: string; message?: string }
  | { kind: "slow"; delayMs: number }
  | { kind: "malformed" }
  | { kind: "cut"; afterChunks: number };

export interface Received {
  api: "openai" | "anthropic";
  model: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  at: number;
}

export interface FakeLlm {
  url: string;
  received: Received[];
  /** Queues behaviors for a model; when the queue is empty the model's default (ok) applies. */
  script(model: string, ...behaviors: Behavior[]): void;
  setDefault(model: string, behavior: Behavior): void;
  reset(): void;
  calls(model: string): number;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeLlm(): Promise<FakeLlm> {
  const queues = new Map<string, Behavior[]>();
  const defaults = new Map<string, Behavior>();
  const received: Received[] = [];
  const sockets = new Set<import("node:net").Socket>();

  const next = (model: string): Behavior => queues.get(model)?.shift() ?? defaults.get(model) ?? { kind: "ok" };

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    const api = req.url?.endsWith("/messages") ? "anthropic" : "openai";
    const model = String(body.model ?? "");
    received.push({ api, model, headers: req.headers, body, at: Date.now() });
    const b = next(model);
    const messages = (body.messages as { content: unknown }[]) ?? [];
    const lastText = JSON.stringify(messages[messages.length - 1]?.content ?? "").slice(0, 40);
    const content = b.kind === "ok" && b.content !== undefined ? b.content : `answer from ${model} to ${lastText}`;
    const usage = b.kind === "ok" && b.usage ? b.usage : { input: 10, output: 5 };

    if (b.kind === "status") {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (b.retryAfter) headers["retry-after"] = b.retryAfter;
      res
        .writeHead(b.status, headers)
        .end(JSON.stringify({ error: { message: b.message ?? `scripted ${b.status}`, type: "scripted" } }));
      return;
    }
    if (b.kind === "slow") await sleep(b.delayMs);
    if (b.kind === "ok" && b.delayMs) await sleep(b.delayMs);
    if (b.kind === "malformed") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"id": "x", "choices": [ {"mess');
      return;
    }
    if (res.destroyed) return;

    const stream = body.stream === true;
    const pieces = content.match(/.{1,8}/gs) ?? [""];
    if (!stream) {
      const json =
        api === "openai"
          ? {
              id: "chatcmpl-fake",
              object: "chat.completion",
              created: 1,
              model,
              choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
              usage: {
                prompt_tokens: usage.input,
                completion_tokens: usage.output,
                total_tokens: usage.input + usage.output,
              },
            }
          : {
              id: "msg_fake",
              type: "message",
              role: "assistant",
              model,
              content: [{ type: "text", text: content }],
              stop_reason: "end_turn",
              usage: { input_tokens: usage.input, output_tokens: usage.output },
            };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(json));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    const cutAt = b.kind === "cut" ? b.afterChunks : Infinity;
    const send = (event: string | undefined, data: unknown) =>
      res.write(
        `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`,
      );
    let sent = 0;
    const cut = () => {
      if (sent++ < cutAt) return false;
      res.socket?.destroy();
      return true;
    };
    if (api === "openai") {
      const base = { id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1, model };
      if (cut()) return;
      send(undefined, {
        ...base,
        choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
      });
      for (const p of pieces) {
        if (cut()) return;
        send(undefined, { ...base, choices: [{ index: 0, delta: { content: p }, finish_reason: null }] });
        await sleep(2);
      }
      send(undefined, { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
      send(undefined, {
        ...base,
        choices: [],
        usage: {
          prompt_tokens: usage.input,
          completion_tokens: usage.output,
          total_tokens: usage.input + usage.output,
        },
      });
      send(undefined, "[DONE]");
    } else {
      if (cut()) return;
      send("message_start", {
        type: "message_start",
        message: {
          id: "msg_fake",
          model,
          content: [],
          stop_reason: null,
          usage: { input_tokens: usage.input, output_tokens: 1 },
        },
      });
      send("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
      send("ping", { type: "ping" });
      for (const p of pieces) {
        if (cut()) return;
        send("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: p } });
        await sleep(2);
      }
      send("content_block_stop", { type: "content_block_stop", index: 0 });
      send("message_delta", {
        type: "message_delta",
        delta: { stop_reason: "end_turn" },
        usage: { output_tokens: usage.output },
      });
      send("message_stop", { type: "message_stop" });
    }
    res.end();
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    script: (model, ...behaviors) => queues.set(model, [...(queues.get(model) ?? []), ...behaviors]),
    setDefault: (model, behavior) => defaults.set(model, behavior),
    reset() {
      queues.clear();
      defaults.clear();
      received.length = 0;
    },
    calls: (model) => received.filter((r) => r.model === model).length,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
