import type { Express, Request } from "express";
import { body, decodeCursor, pageQuery, query, requireUser, toPage } from "@crm/kit";
import { z } from "zod";
import type { MemberRow, ProjectWithRole } from "../data/projects.js";
import type { Projects } from "../domain/projects.js";
import type { RouteDoc } from "../openapi.js";
import { memberAdd, memberOut, memberPatch, page, projectCreate, projectOut, projectPatch } from "./schemas.js";

const projectCursor = z.object({ createdAt: z.string(), id: z.string() });

function projectJson(p: ProjectWithRole) {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    ownerId: p.ownerId,
    role: p.role,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

function memberJson(m: MemberRow) {
  return {
    projectId: m.projectId,
    userId: m.userId,
    email: m.email,
    role: m.role,
    addedBy: m.addedBy,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

const param = (req: Request, name: string) => String(req.params[name] ?? "");

/** Thin HTTP layer over the project and member use cases. */
export function mountProjectRoutes(app: Express, projects: Projects): void {
  app.post("/api/v1/projects", async (req, res) => {
    const caller = requireUser(req);
    const project = await projects.create(caller, body(req, projectCreate));
    res.status(201).location(`/api/v1/projects/${project.id}`).json(projectJson(project));
  });

  app.get("/api/v1/projects", async (req, res) => {
    const caller = requireUser(req);
    const { limit, cursor } = query(req, pageQuery);
    const rows = await projects.list(caller, limit, decodeCursor(cursor, projectCursor));
    const paged = toPage(rows, limit, (p) => ({ createdAt: p.createdAt.toISOString(), id: p.id }));
    res.json({ items: paged.items.map(projectJson), nextCursor: paged.nextCursor });
  });

  app.get("/api/v1/projects/:id", async (req, res) => {
    res.json(projectJson(await projects.get(requireUser(req), param(req, "id"))));
  });

  app.patch("/api/v1/projects/:id", async (req, res) => {
    const caller = requireUser(req);
    const patch = body(req, projectPatch);
    res.json(projectJson(await projects.update(caller, param(req, "id"), patch)));
  });

  app.delete("/api/v1/projects/:id", async (req, res) => {
    await projects.delete(requireUser(req), param(req, "id"));
    res.status(204).end();
  });

  app.get("/api/v1/projects/:id/members", async (req, res) => {
    const caller = requireUser(req);
    const { limit, cursor } = query(req, pageQuery);
    const after = decodeCursor(cursor, z.string());
    const rows = await projects.listMembers(caller, param(req, "id"), limit, after);
    const paged = toPage(rows, limit, (m) => m.userId);
    res.json({ items: paged.items.map(memberJson), nextCursor: paged.nextCursor });
  });

  app.post("/api/v1/projects/:id/members", async (req, res) => {
    const caller = requireUser(req);
    const input = body(req, memberAdd);
    const { member, created } = await projects.addMember(caller, param(req, "id"), input);
    res.status(created ? 201 : 200).json(memberJson(member));
  });

  app.patch("/api/v1/projects/:id/members/:userId", async (req, res) => {
    const caller = requireUser(req);
    const { role } = body(req, memberPatch);
    res.json(memberJson(await projects.changeRole(caller, param(req, "id"), param(req, "userId"), role)));
  });

  app.delete("/api/v1/projects/:id/members/:userId", async (req, res) => {
    await projects.removeMember(requireUser(req), param(req, "id"), param(req, "userId"));
    res.status(204).end();
  });
}

export const projectDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/api/v1/projects",
    tag: "projects",
    summary: "Create a project; the caller becomes its owner",
    body: projectCreate,
    ok: { 201: { description: "Created", schema: projectOut } },
    errors: [400],
  },
  {
    method: "get",
    path: "/api/v1/projects",
    tag: "projects",
    summary: "Projects the caller owns or is a member of, newest first",
    query: pageQuery,
    ok: { 200: { description: "A page", schema: page(projectOut) } },
    errors: [400],
  },
  {
    method: "get",
    path: "/api/v1/projects/{id}",
    tag: "projects",
    summary: "A project (any member)",
    ok: { 200: { description: "The project", schema: projectOut } },
    errors: [404],
  },
  {
    method: "patch",
    path: "/api/v1/projects/{id}",
    tag: "projects",
    summary: "Rename or describe a project (editor or owner)",
    body: projectPatch,
    ok: { 200: { description: "The updated project", schema: projectOut } },
    errors: [400, 403, 404],
  },
  {
    method: "delete",
    path: "/api/v1/projects/{id}",
    tag: "projects",
    summary: "Delete a project with its files and members (owner)",
    ok: { 204: { description: "Deleted" } },
    errors: [403, 404],
  },
  {
    method: "get",
    path: "/api/v1/projects/{id}/members",
    tag: "projects",
    summary: "Members and their roles (any member)",
    query: pageQuery,
    ok: { 200: { description: "A page", schema: page(memberOut) } },
    errors: [400, 404],
  },
  {
    method: "post",
    path: "/api/v1/projects/{id}/members",
    tag: "projects",
    summary: "Add a registered user by e-mail, or change an existing member's role (owner)",
    body: memberAdd,
    ok: {
      201: { description: "Added", schema: memberOut },
      200: { description: "Already a member: role updated", schema: memberOut },
    },
    errors: [400, 403, 404, 409, 503],
  },
  {
    method: "patch",
    path: "/api/v1/projects/{id}/members/{userId}",
    tag: "projects",
    summary: "Change a member's role (owner); the last owner cannot be demoted",
    body: memberPatch,
    ok: { 200: { description: "Updated", schema: memberOut } },
    errors: [400, 403, 404, 409],
  },
  {
    method: "delete",
    path: "/api/v1/projects/{id}/members/{userId}",
    tag: "projects",
    summary: "Remove a member (owner), or leave the project (yourself); the last owner stays",
    ok: { 204: { description: "Removed" } },
    errors: [403, 404, 409],
  },
];
