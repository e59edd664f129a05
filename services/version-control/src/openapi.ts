import { openApiDoc, routePaths, type RouteDoc } from "@crm/kit";

export type { RouteDoc };

/** This part's routes (their `RouteDoc` lists) as its OpenAPI 3.1 document, served at GET /openapi.json. */
export const openApiDocument = (title: string, routes: RouteDoc[]) => openApiDoc({ title, paths: routePaths(routes) });
