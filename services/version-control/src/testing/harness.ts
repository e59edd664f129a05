import { startPart, type RunningPart } from "@crm/kit";
import { Api, makeUser, startProjectHarness, type ProjectHarness, type TestUser } from "@crm/project/testing";
import part from "../part.js";

export { makeUser, type TestUser };

/**
 * The real project part (with its stub auth) and the version-control part on one fresh database,
 * wired over real gRPC, as in production. The breaker resets quickly so recovery tests are short.
 */
export interface Mesh {
  project: ProjectHarness;
  vc: RunningPart;
  api: Api;
  env: Record<string, string>;
  /** A project owned by `owner`, with the given members (role by user). */
  projectWith(owner: TestUser, members: [TestUser, "viewer" | "editor" | "owner"][]): Promise<string>;
  close(): Promise<void>;
}

export async function startMesh(extra: Record<string, string> = {}): Promise<Mesh> {
  const project = await startProjectHarness();
  const env: Record<string, string> = {
    ...project.env,
    PROJECT_GRPC_ADDR: project.grpcAddress,
    VERSION_CONTROL_HTTP_PORT: "0",
    VERSION_CONTROL_GRPC_PORT: "0",
    VERSION_CONTROL_BREAKER_RESET_MS: "500",
    ...extra,
  };
  const vc = await startPart(part, { env });
  return {
    project,
    vc,
    env,
    api: new Api(`http://127.0.0.1:${vc.httpPort}`, env.MESH_SECRET!),
    async projectWith(owner, members) {
      const created = await project.api.post(owner, "/api/v1/projects", { name: "experiments" });
      const projectId = String(created.body.id);
      for (const [user, role] of members) {
        project.auth.add(user);
        const res = await project.api.post(owner, `/api/v1/projects/${projectId}/members`, { email: user.email, role });
        if (res.status !== 201) throw new Error(`adding member: ${res.status} ${JSON.stringify(res.body)}`);
      }
      return projectId;
    },
    async close() {
      await vc.stop();
      await project.close();
    },
  };
}

export const validConfig = (extra: Record<string, unknown> = {}) => ({
  model: "gpt-4o-mini",
  promptTemplate: "Review this {{language}} file {{path}}:\n{{code}}",
  temperature: 0.2,
  maxTokens: 1024,
  staticRules: ["no-eval"],
  ...extra,
});
