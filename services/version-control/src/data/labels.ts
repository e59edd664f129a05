import { randomUUID } from "node:crypto";
import { Prisma, type Label, type LabelEvent, type PrismaClient } from "@crm/db";

export type LabelRow = Label;
export type EventRow = LabelEvent;

/** Thrown when the label changed between our read and our write (the optimistic check failed). */
export class LabelRaceError extends Error {
  constructor() {
    super("label moved concurrently");
  }
}

/** Labels and their history in the `versioning` schema; each move is a compare-and-set on `revision`. */
export class LabelStore {
  constructor(private readonly prisma: PrismaClient) {}

  get(experimentId: string, name: string): Promise<LabelRow | null> {
    return this.prisma.label.findUnique({ where: { experimentId_name: { experimentId, name } } });
  }

  list(experimentId: string): Promise<LabelRow[]> {
    return this.prisma.label.findMany({ where: { experimentId }, orderBy: { name: "asc" } });
  }

  event(id: string): Promise<EventRow | null> {
    return this.prisma.labelEvent.findUnique({ where: { id } });
  }

  /**
   * Points the label at `version`. `current` is the row as the caller read it (null: create).
   * The update only applies while the row still has that revision; otherwise LabelRaceError.
   */
  async move(input: {
    experimentId: string;
    name: string;
    current: LabelRow | null;
    version: number;
    action: "move" | "rollback";
    priorEventId: string | null;
    by: string;
  }): Promise<LabelRow> {
    const { experimentId, name, current } = input;
    const revision = (current?.revision ?? 0) + 1;
    const eventId = randomUUID();
    try {
      return await this.prisma.$transaction(async (tx) => {
        if (current) {
          const updated = await tx.label.updateMany({
            where: { experimentId, name, revision: current.revision },
            data: { version: input.version, revision, eventId, updatedBy: input.by },
          });
          if (updated.count === 0) throw new LabelRaceError();
        } else {
          await tx.label.create({
            data: { experimentId, name, version: input.version, revision, eventId, updatedBy: input.by },
          });
        }
        await tx.labelEvent.create({
          data: {
            id: eventId,
            experimentId,
            label: name,
            revision,
            action: input.action,
            version: input.version,
            previousVersion: current?.version ?? null,
            priorEventId: input.priorEventId,
            movedBy: input.by,
          },
        });
        return await tx.label.findUniqueOrThrow({ where: { experimentId_name: { experimentId, name } } });
      });
    } catch (err) {
      // Two first moves of a new label both insert: the loser hits the primary key.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") throw new LabelRaceError();
      throw err;
    }
  }

  history(experimentId: string, name: string, limit: number, beforeRevision?: number): Promise<EventRow[]> {
    return this.prisma.labelEvent.findMany({
      where: {
        experimentId,
        label: name,
        ...(beforeRevision !== undefined ? { revision: { lt: beforeRevision } } : {}),
      },
      orderBy: { revision: "desc" },
      take: limit + 1,
    });
  }
}
