import { badRequest, currentContext, notFound, type GrpcServiceRegistration } from "@crm/kit";
import type { FileInfo } from "../data/files.js";
import type { ProjectStore } from "../data/projects.js";
import { ACTIONS, allows, isUuid, type Action } from "../domain/access.js";
import type { Files } from "../domain/files.js";
import type { Projects } from "../domain/projects.js";
import { withStreamErrors } from "./stream-errors.js";

const CHUNK_BYTES = 64 * 1024;
/** Files whose contents are fetched from the database at once while streaming. */
const FETCH_BATCH = 50;
const MAX_IDS = 10_000;

function info(f: FileInfo) {
  return { id: f.id, path: f.path, size: f.size, sha256: f.sha256, language: f.language ?? "", revision: f.revision };
}

/**
 * A user identity reads only projects it is a member of (NOT_FOUND otherwise, as over REST); a
 * `service` identity is a mesh peer doing background work for a user it already checked.
 */
async function requireRead(projects: Projects, projectId: string): Promise<void> {
  const identity = currentContext()?.identity;
  if (identity?.role === "service") {
    if (!(await projects.exists(projectId))) throw notFound("Project");
    return;
  }
  await projects.access(projectId, identity?.sub ?? "", "read");
}

export function projectService(projects: Projects, store: ProjectStore, files: Files): GrpcServiceRegistration {
  return {
    file: "crm/project/v1/project.proto",
    service: "crm.project.v1.ProjectService",
    handlers: {
      async CheckAccess(req: { userId: string; projectId: string; action: string }) {
        if (!ACTIONS.includes(req.action as Action)) throw badRequest(`action must be one of ${ACTIONS.join(", ")}`);
        if (!req.userId) throw badRequest("user_id is required");
        if (!isUuid(req.projectId)) return { allowed: false, role: "", projectExists: false };
        const role = await store.roleOf(req.projectId, req.userId);
        const projectExists = role !== undefined || (await store.exists(req.projectId));
        return { allowed: allows(role, req.action as Action), role: role ?? "", projectExists };
      },

      async ListUserProjects(req: { userId: string }) {
        if (!req.userId) throw badRequest("user_id is required");
        return { projects: await store.memberships(req.userId) };
      },

      async ListFiles(req: { projectId: string; globs: string[] }) {
        await requireRead(projects, req.projectId);
        return { files: (await files.select(req.projectId, req.globs)).map(info) };
      },

      GetFiles: withStreamErrors(async function* (req: { projectId: string; ids: string[] }) {
        if (req.ids.length > MAX_IDS) throw badRequest(`At most ${MAX_IDS} ids per call`);
        await requireRead(projects, req.projectId);
        const all = await files.infos(req.projectId, req.ids);
        for (let i = 0; i < all.length; i += FETCH_BATCH) {
          const batch = all.slice(i, i + FETCH_BATCH);
          const contents = await files.contents(batch.map((f) => ({ fileId: f.id, revision: f.revision })));
          for (const f of batch) {
            const data = Buffer.from(contents.get(f.id) ?? "", "utf8");
            const meta = info(f);
            let offset = 0;
            do {
              const end = Math.min(offset + CHUNK_BYTES, data.length);
              yield { file: meta, offset, data: data.subarray(offset, end), last: end >= data.length };
              offset = end;
            } while (offset < data.length);
          }
        }
      }),
    },
  };
}
