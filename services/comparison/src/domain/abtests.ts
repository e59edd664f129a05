import { conflict, notFound, type Identity } from "@crm/kit";
import type { VersioningClient } from "../clients/versioning.js";
import { isUuid, type AbTest, type AbTestsData } from "../data/store.js";
import type { Access } from "./access.js";
import { assign, type Variant } from "./assignment.js";
import { chiSquareGoodnessOfFit, twoProportionZTest, wilson } from "./stats.js";

export interface CreateAbTest {
  experimentId: string;
  variants: Variant[];
  metric: "acceptance_rate";
  alpha?: number;
  name?: string;
}

export type EventType = "exposure" | "accept" | "reject";

export interface AbTestsDeps {
  store: AbTestsData;
  versioning: VersioningClient;
  access: Access;
  defaultAlpha: number;
  srmAlpha: number;
}

const variantsOf = (t: AbTest) => t.variants as unknown as Variant[];

/**
 * Online A/B tests of experiment versions: sticky assignment, idempotent events, results with
 * Wilson intervals, a two-proportion z-test (the first variant is the control) and a
 * sample-ratio-mismatch check; stopping may promote the winner to `production`.
 */
export class AbTests {
  constructor(private readonly deps: AbTestsDeps) {}

  async create(identity: Identity, input: CreateAbTest): Promise<AbTest> {
    const { versioning, access, store } = this.deps;
    if (!isUuid(input.experimentId)) throw notFound("Experiment");
    // Every variant must be a version the caller can see (asked as the caller: outsiders get 404).
    const versions = await Promise.all(input.variants.map((v) => versioning.getVersion(input.experimentId, v.version)));
    const projectId = versions[0]!.projectId || null;
    if (projectId) await access.forProject(identity, projectId, "write", "Experiment");
    return store.create({
      experimentId: input.experimentId,
      projectId,
      name: input.name ?? null,
      metric: input.metric,
      alpha: input.alpha ?? this.deps.defaultAlpha,
      variants: input.variants.map((v) => ({ version: v.version, weight: v.weight })),
      createdBy: identity.sub,
    });
  }

  async visible(identity: Identity, id: string, action: "read" | "write" = "read"): Promise<AbTest> {
    const test = isUuid(id) ? await this.deps.store.get(id) : null;
    if (!test) throw notFound("A/B test");
    await this.deps.access.experiment(identity, { ...test, version: variantsOf(test)[0]!.version }, action, "A/B test");
    return test;
  }

  assignment(test: AbTest, subject: string): Variant {
    return assign(test.id, subject, variantsOf(test));
  }

  /** Records an event of the subject's variant; accept/reject also count as an exposure. */
  async event(test: AbTest, subject: string, type: EventType): Promise<{ variant: number; recorded: boolean }> {
    if (test.status !== "running") throw conflict("The A/B test is stopped; it takes no more events");
    const variant = this.assignment(test, subject).version;
    const events = [{ subject, type, version: variant }];
    if (type !== "exposure") events.push({ subject, type: "exposure", version: variant });
    const count = await this.deps.store.record(test.id, events);
    return { variant, recorded: count > 0 };
  }

  async results(test: AbTest) {
    const counts = await this.deps.store.counts(test.id);
    const count = (version: number, type: EventType) =>
      counts.find((c) => c.version === version && c.type === type)?.count ?? 0;
    const variants = variantsOf(test).map((v) => {
      const exposures = count(v.version, "exposure");
      const accepts = count(v.version, "accept");
      return {
        version: v.version,
        weight: v.weight,
        exposures,
        accepts,
        rejects: count(v.version, "reject"),
        rate: exposures ? accepts / exposures : 0,
        ci95: wilson(accepts, exposures),
      };
    });
    const [control, ...others] = variants;
    // Each other variant against the control; with more than one, Bonferroni keeps the error rate at alpha.
    const tests = others.map((v) => ({
      version: v.version,
      ...twoProportionZTest(v.accepts, v.exposures, control!.accepts, control!.exposures),
    }));
    const pValue = tests.length ? Math.min(1, Math.min(...tests.map((t) => t.pValue)) * tests.length) : 1;
    const significant = pValue < test.alpha;
    const best = [...variants].sort((a, b) => b.rate - a.rate)[0]!;
    const srm = chiSquareGoodnessOfFit(
      variants.map((v) => v.exposures),
      variants.map((v) => v.weight),
    );
    return {
      testId: test.id,
      status: test.status,
      metric: test.metric,
      variants,
      comparisons: tests.map((t) => ({ version: t.version, vsVersion: control!.version, z: t.z, pValue: t.pValue })),
      pValue,
      significant,
      alpha: test.alpha,
      winner: significant ? best.version : null,
      sampleRatioMismatch: srm.pValue < this.deps.srmAlpha,
      srm: { chiSquare: srm.statistic, df: srm.df, pValue: srm.pValue, alpha: this.deps.srmAlpha },
    };
  }

  /** Stops the test; with `promote`, the significant winner becomes `production` first (409 without one). */
  async stop(test: AbTest, promote: boolean) {
    if (test.status !== "running") throw conflict("The A/B test is already stopped");
    const results = await this.results(test);
    let promoted: { label: string; version: number; revision: number } | null = null;
    if (promote) {
      if (results.winner === null)
        throw conflict(
          `No significant winner (p = ${results.pValue.toFixed(4)} ≥ alpha ${test.alpha}); nothing promoted`,
        );
      if (results.sampleRatioMismatch)
        throw conflict("The split does not follow the weights (sample-ratio mismatch); results are not trustworthy");
      const moved = await this.deps.versioning.moveLabel(test.experimentId, "production", results.winner);
      promoted = { label: moved.label, version: moved.version.version, revision: moved.revision };
    }
    await this.deps.store.stop(test.id, results.winner, promoted !== null);
    return { ...results, status: "stopped", promoted };
  }
}

export function abTestView(t: AbTest) {
  return {
    id: t.id,
    experimentId: t.experimentId,
    projectId: t.projectId,
    name: t.name,
    metric: t.metric,
    alpha: t.alpha,
    variants: variantsOf(t),
    status: t.status,
    winnerVersion: t.winnerVersion,
    promoted: t.promoted,
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
    ...(t.stoppedAt ? { stoppedAt: t.stoppedAt.toISOString() } : {}),
  };
}
