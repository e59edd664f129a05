import { openApiDoc, routePaths, type RouteDoc } from "@crm/kit";
import { z } from "zod";
import { aliasParams, chatRequest, chatResponse, modelList, putRouteBody, routeView } from "./schemas.js";

const ROUTES: RouteDoc[] = [
  {
    method: "post",
    path: "/api/v1/ai/chat/completions",
    tag: "ai",
    summary:
      "OpenAI-compatible chat completion through a model id or route alias; `stream: true` answers as text/event-stream chunks ending in `data: [DONE]`. Headers: x-provider, x-model, x-cache (hit|miss), x-fallbacks, x-retries, x-redactions. Optional x-project-id attributes usage to a project.",
    access: "any signed-in user",
    body: chatRequest,
    ok: { 200: { description: "OK", schema: chatResponse } },
    errors: ["default"],
  },
  {
    method: "get",
    path: "/api/v1/ai/models",
    tag: "ai",
    summary: "OpenAI-style list of models and route aliases",
    access: "any signed-in user",
    ok: { 200: { description: "OK", schema: modelList } },
    errors: ["default"],
  },
  {
    method: "get",
    path: "/api/v1/ai/routes",
    tag: "ai",
    summary: "List route aliases",
    access: "admin",
    ok: { 200: { description: "OK", schema: z.object({ items: z.array(routeView) }) } },
    errors: ["default"],
  },
  {
    method: "put",
    path: "/api/v1/ai/routes/:alias",
    tag: "ai",
    summary: "Create or replace a route alias (targets must be in the catalog)",
    access: "admin",
    params: aliasParams,
    body: putRouteBody,
    ok: { 200: { description: "OK", schema: routeView } },
    errors: ["default"],
  },
  {
    method: "get",
    path: "/api/v1/ai/routes/:alias",
    tag: "ai",
    summary: "Get a route alias",
    access: "admin",
    params: aliasParams,
    ok: { 200: { description: "OK", schema: routeView } },
    errors: ["default"],
  },
  {
    method: "delete",
    path: "/api/v1/ai/routes/:alias",
    tag: "ai",
    summary: "Delete a route alias",
    access: "admin",
    params: aliasParams,
    ok: { 204: { description: "Deleted" } },
    errors: ["default"],
  },
];

export const openApiDocument = () =>
  openApiDoc({ title: "CodeReview Mesh AI orchestrator", paths: routePaths(ROUTES) });
