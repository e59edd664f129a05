import { z } from "zod";
import { document, type Operation } from "./openapi-builder.js";
import { aliasParams, chatRequest, chatResponse, modelList, putRouteBody, routeView } from "./schemas.js";

const OPS: Operation[] = [
  {
    method: "post",
    path: "/api/v1/ai/chat/completions",
    tag: "ai",
    summary:
      "OpenAI-compatible chat completion through a model id or route alias; `stream: true` answers as text/event-stream chunks ending in `data: [DONE]`. Headers: x-provider, x-model, x-cache (hit|miss), x-fallbacks, x-retries, x-redactions. Optional x-project-id attributes usage to a project.",
    access: "any signed-in user",
    body: chatRequest,
    responses: { 200: chatResponse },
  },
  {
    method: "get",
    path: "/api/v1/ai/models",
    tag: "ai",
    summary: "OpenAI-style list of models and route aliases",
    access: "any signed-in user",
    responses: { 200: modelList },
  },
  {
    method: "get",
    path: "/api/v1/ai/routes",
    tag: "ai",
    summary: "List route aliases",
    access: "admin",
    responses: { 200: z.object({ items: z.array(routeView) }) },
  },
  {
    method: "put",
    path: "/api/v1/ai/routes/:alias",
    tag: "ai",
    summary: "Create or replace a route alias (targets must be in the catalog)",
    access: "admin",
    params: aliasParams,
    body: putRouteBody,
    responses: { 200: routeView },
  },
  {
    method: "get",
    path: "/api/v1/ai/routes/:alias",
    tag: "ai",
    summary: "Get a route alias",
    access: "admin",
    params: aliasParams,
    responses: { 200: routeView },
  },
  {
    method: "delete",
    path: "/api/v1/ai/routes/:alias",
    tag: "ai",
    summary: "Delete a route alias",
    access: "admin",
    params: aliasParams,
    responses: { 204: "Deleted" },
  },
];

export const openApiDocument = () => document("CodeReview Mesh AI orchestrator", OPS);
