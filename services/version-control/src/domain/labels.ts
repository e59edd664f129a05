import { conflict, HttpError, notFound, type Identity } from "@crm/kit";
import { LabelRaceError, type LabelRow, type LabelStore } from "../data/labels.js";
import type { Experiments } from "./experiments.js";

/** What the caller believed about the label when asking to move it (optimistic concurrency). */
export interface Preconditions {
  /** The label's revision (If-Match / ETag). */
  revision?: number;
  /** The version the label should still be at. */
  expectedVersion?: number;
}

const preconditionFailed = (detail: string, current: LabelRow | null) =>
  new HttpError(412, detail, {
    extensions: current
      ? { currentVersion: current.version, currentRevision: current.revision }
      : { currentVersion: null },
  });

/**
 * Labels move by compare-and-set on their revision: a move that read revision r applies only if
 * the label is still at r. So two racing moves never silently overwrite each other: the loser
 * gets 412 when it sent a precondition (If-Match or expectedVersion), 409 otherwise, and can
 * re-read and retry. Each move is kept in the history; rollback walks back one holding at a time.
 */
export class Labels {
  constructor(
    private readonly store: LabelStore,
    private readonly experiments: Experiments,
  ) {}

  async get(caller: Identity, experimentId: string, name: string): Promise<LabelRow> {
    await this.experiments.load(caller, experimentId, "read");
    const label = await this.store.get(experimentId, name);
    if (!label) throw notFound(`Label '${name}'`);
    return label;
  }

  async list(caller: Identity, experimentId: string): Promise<LabelRow[]> {
    await this.experiments.load(caller, experimentId, "read");
    return this.store.list(experimentId);
  }

  async move(caller: Identity, experimentId: string, name: string, version: number, pre: Preconditions) {
    await this.experiments.load(caller, experimentId, "write");
    await this.experiments.requireVersion(experimentId, version);
    const current = await this.store.get(experimentId, name);
    this.checkPreconditions(current, pre);
    if (current?.version === version) return { label: current, previousVersion: current.version };
    const label = await this.apply(pre, current, () =>
      this.store.move({
        experimentId,
        name,
        current,
        version,
        action: "move",
        priorEventId: current?.eventId ?? null,
        by: caller.sub,
      }),
    );
    return { label, previousVersion: current?.version ?? null };
  }

  /** Moves the label back to the version it held before its current one. */
  async rollback(caller: Identity, experimentId: string, name: string, pre: Preconditions) {
    await this.experiments.load(caller, experimentId, "write");
    const current = await this.store.get(experimentId, name);
    if (!current) throw notFound(`Label '${name}'`);
    this.checkPreconditions(current, pre);
    const event = await this.store.event(current.eventId);
    const target = event?.priorEventId ? await this.store.event(event.priorEventId) : null;
    if (!target) throw conflict(`Label '${name}' has no earlier version to roll back to`);
    const label = await this.apply(pre, current, () =>
      this.store.move({
        experimentId,
        name,
        current,
        version: target.version,
        action: "rollback",
        priorEventId: target.priorEventId,
        by: caller.sub,
      }),
    );
    return { label, previousVersion: current.version };
  }

  async history(caller: Identity, experimentId: string, name: string, limit: number, before?: number) {
    await this.experiments.load(caller, experimentId, "read");
    const rows = await this.store.history(experimentId, name, limit, before);
    if (rows.length === 0 && before === undefined) throw notFound(`Label '${name}'`);
    return rows;
  }

  private checkPreconditions(current: LabelRow | null, pre: Preconditions): void {
    if (pre.revision !== undefined && (current?.revision ?? 0) !== pre.revision)
      throw preconditionFailed(
        `Label is at revision ${current?.revision ?? 0}, not ${pre.revision} (If-Match): someone moved it; re-read and retry`,
        current,
      );
    if (pre.expectedVersion !== undefined && current?.version !== pre.expectedVersion)
      throw preconditionFailed(
        `Label points at version ${current?.version ?? "none"}, not the expected ${pre.expectedVersion}: re-read and retry`,
        current,
      );
  }

  private async apply(pre: Preconditions, current: LabelRow | null, write: () => Promise<LabelRow>): Promise<LabelRow> {
    try {
      return await write();
    } catch (err) {
      if (!(err instanceof LabelRaceError)) throw err;
      const detail = "The label was moved by someone else at the same time; re-read it and retry";
      if (pre.revision !== undefined || pre.expectedVersion !== undefined) throw preconditionFailed(detail, current);
      throw conflict(detail);
    }
  }
}
