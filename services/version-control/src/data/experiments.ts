import { Prisma, type ConfigVersion, type Experiment, type PrismaClient } from "@crm/db";
import { notFound } from "@crm/kit";

export type VersionRow = ConfigVersion;

/** Experiments and their immutable versions in the `versioning` schema. */
export class ExperimentStore {
  constructor(private readonly prisma: PrismaClient) {}

  create(input: { name: string; description: string | null; projectId: string | null; createdBy: string }) {
    return this.prisma.experiment.create({ data: input });
  }

  get(id: string): Promise<Experiment | null> {
    return this.prisma.experiment.findUnique({ where: { id } });
  }

  /** Newest first: the caller's own project-less experiments and those of the given projects. */
  list(options: {
    createdBy: string;
    projectIds: string[];
    onlyProject?: string;
    limit: number;
    after?: { createdAt: string; id: string };
  }): Promise<Experiment[]> {
    const visible: Prisma.ExperimentWhereInput = options.onlyProject
      ? { projectId: options.onlyProject }
      : { OR: [{ projectId: null, createdBy: options.createdBy }, { projectId: { in: options.projectIds } }] };
    const after = options.after;
    return this.prisma.experiment.findMany({
      where: {
        AND: [
          visible,
          after
            ? {
                OR: [
                  { createdAt: { lt: new Date(after.createdAt) } },
                  { createdAt: new Date(after.createdAt), id: { lt: after.id } },
                ],
              }
            : {},
        ],
      },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: options.limit + 1,
    });
  }

  /**
   * Adds the next version. The counter update row-locks the experiment until commit, so
   * concurrent writers queue and each gets the next number; a failed insert rolls the counter
   * back with it, so no number is skipped.
   */
  async addVersion(input: {
    experimentId: string;
    config: Prisma.InputJsonValue;
    configHash: string;
    parentVersion: number | undefined;
    message: string | null;
    createdBy: string;
  }): Promise<VersionRow> {
    return this.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<{ latest_version: number }[]>`
          UPDATE "versioning"."experiments"
             SET latest_version = latest_version + 1, updated_at = now()
           WHERE id = ${input.experimentId}::uuid
          RETURNING latest_version`;
        const version = rows[0]?.latest_version;
        if (version === undefined) throw notFound("Experiment");
        const parent = input.parentVersion ?? (version > 1 ? version - 1 : null);
        if (parent !== null && parent >= version) throw new ParentVersionError(parent, version);
        return tx.configVersion.create({
          data: {
            experimentId: input.experimentId,
            version,
            config: input.config,
            configHash: input.configHash,
            parentVersion: parent,
            message: input.message,
            createdBy: input.createdBy,
          },
        });
      },
      { maxWait: 10_000, timeout: 15_000 },
    );
  }

  getVersion(experimentId: string, version: number): Promise<VersionRow | null> {
    return this.prisma.configVersion.findUnique({ where: { experimentId_version: { experimentId, version } } });
  }

  listVersions(experimentId: string, limit: number, after?: number): Promise<VersionRow[]> {
    return this.prisma.configVersion.findMany({
      where: { experimentId, ...(after !== undefined ? { version: { gt: after } } : {}) },
      orderBy: { version: "asc" },
      take: limit + 1,
    });
  }

  async ping(): Promise<void> {
    await this.prisma.$queryRaw`SELECT 1`;
  }
}

/** A parent must be an earlier version (versions are numbered without gaps, so it exists). */
export class ParentVersionError extends Error {
  constructor(
    readonly parent: number,
    readonly version: number,
  ) {
    super(`parentVersion ${parent} does not exist yet (this will be version ${version})`);
  }
}
