import type { Experiment, Prisma } from "@crm/db";
import { badRequest, notFound, type Identity } from "@crm/kit";
import { ExperimentStore, ParentVersionError, type VersionRow } from "../data/experiments.js";
import type { LabelStore } from "../data/labels.js";
import { isUuid, type ExperimentAccess, type Need } from "./access.js";
import { diffConfigs } from "./diff.js";
import { configHash, type ReviewConfig } from "./review-config.js";

/** Experiment and version use cases; every one checks access first (see access.ts). */
export class Experiments {
  constructor(
    private readonly store: ExperimentStore,
    private readonly labels: LabelStore,
    private readonly access: ExperimentAccess,
  ) {}

  /** The experiment, after checking the caller may `need` it (404 when it may not even see it). */
  async load(caller: Identity, id: string, need: Need): Promise<Experiment> {
    const experiment = isUuid(id) ? await this.store.get(id) : null;
    if (!experiment) throw notFound("Experiment");
    await this.access.check(caller, experiment, need);
    return experiment;
  }

  async create(
    caller: Identity,
    input: { name: string; description?: string | null | undefined; projectId?: string | null | undefined },
  ) {
    if (input.projectId) await this.access.checkProject(caller, input.projectId);
    return this.store.create({
      name: input.name,
      description: input.description ?? null,
      projectId: input.projectId ?? null,
      createdBy: caller.sub,
    });
  }

  async get(caller: Identity, id: string) {
    const experiment = await this.load(caller, id, "read");
    return { experiment, labels: await this.labels.list(id) };
  }

  async list(
    caller: Identity,
    limit: number,
    options: { projectId?: string; after?: { createdAt: string; id: string } },
  ) {
    if (options.projectId) {
      if (!isUuid(options.projectId)) return [];
      const answer = await this.access.memberships(caller);
      if (!answer.some((m) => m.projectId === options.projectId)) return [];
      return this.store.list({
        createdBy: caller.sub,
        projectIds: [],
        onlyProject: options.projectId,
        limit,
        ...(options.after ? { after: options.after } : {}),
      });
    }
    const projectIds = (await this.access.memberships(caller)).map((m) => m.projectId);
    return this.store.list({
      createdBy: caller.sub,
      projectIds,
      limit,
      ...(options.after ? { after: options.after } : {}),
    });
  }

  async addVersion(
    caller: Identity,
    id: string,
    input: { config: ReviewConfig; message?: string | null | undefined; parentVersion?: number | undefined },
  ) {
    await this.load(caller, id, "write");
    try {
      return await this.store.addVersion({
        experimentId: id,
        config: input.config as Prisma.InputJsonValue,
        configHash: configHash(input.config),
        parentVersion: input.parentVersion,
        message: input.message ?? null,
        createdBy: caller.sub,
      });
    } catch (err) {
      if (err instanceof ParentVersionError)
        throw badRequest(err.message, [{ path: "body.parentVersion", message: "no such version" }]);
      throw err;
    }
  }

  async version(caller: Identity, id: string, version: number): Promise<VersionRow> {
    await this.load(caller, id, "read");
    return this.requireVersion(id, version);
  }

  async requireVersion(id: string, version: number): Promise<VersionRow> {
    const row = await this.store.getVersion(id, version);
    if (!row) throw notFound(`Version ${version} of this experiment`);
    return row;
  }

  async versions(caller: Identity, id: string, limit: number, after?: number) {
    await this.load(caller, id, "read");
    return this.store.listVersions(id, limit, after);
  }

  async diff(caller: Identity, id: string, a: number, b: number) {
    await this.load(caller, id, "read");
    const [from, to] = await Promise.all([this.requireVersion(id, a), this.requireVersion(id, b)]);
    return {
      from: a,
      to: b,
      fromHash: from.configHash,
      toHash: to.configHash,
      changes: diffConfigs(from.config, to.config),
    };
  }
}
