import { badRequest, currentContext, unauthorized, type GrpcServiceRegistration } from "@crm/kit";
import type { Experiment } from "@crm/db";
import type { VersionRow } from "../data/experiments.js";
import type { Experiments } from "../domain/experiments.js";
import type { Labels } from "../domain/labels.js";
import { LABEL_PATTERN } from "../routes/schemas.js";

function versionMessage(v: VersionRow, experiment: Experiment) {
  return {
    experimentId: v.experimentId,
    version: v.version,
    configJson: JSON.stringify(v.config),
    configHash: v.configHash,
    parentVersion: v.parentVersion ?? 0,
    createdBy: v.createdBy,
    createdAt: v.createdAt.toISOString(),
    message: v.message ?? "",
    projectId: experiment.projectId ?? "",
  };
}

function caller() {
  const identity = currentContext()?.identity;
  if (!identity || identity.role === "anonymous") throw unauthorized();
  return identity;
}

/** VersionService for mesh peers; the same access rules as REST (a service identity may read all). */
export function versionService(experiments: Experiments, labels: Labels): GrpcServiceRegistration {
  return {
    file: "crm/versioning/v1/versioning.proto",
    service: "crm.versioning.v1.VersionService",
    handlers: {
      async GetVersion(req: { experimentId: string; version: number }) {
        if (!Number.isInteger(req.version) || req.version < 1) throw badRequest("version must be a positive integer");
        const who = caller();
        const experiment = await experiments.load(who, req.experimentId, "read");
        return versionMessage(await experiments.requireVersion(req.experimentId, req.version), experiment);
      },

      async ResolveLabel(req: { experimentId: string; label: string }) {
        if (!LABEL_PATTERN.test(req.label)) throw badRequest("label is not a valid label name");
        const who = caller();
        const experiment = await experiments.load(who, req.experimentId, "read");
        const label = await labels.get(who, req.experimentId, req.label);
        const version = await experiments.requireVersion(req.experimentId, label.version);
        return { label: label.name, version: versionMessage(version, experiment), revision: label.revision };
      },

      // Added for the comparison service (A/B promotion): the same move as PUT /labels/{label}.
      async MoveLabel(req: { experimentId: string; label: string; version: number; expectedRevision: number }) {
        if (!LABEL_PATTERN.test(req.label)) throw badRequest("label is not a valid label name");
        if (!Number.isInteger(req.version) || req.version < 1) throw badRequest("version must be a positive integer");
        const who = caller();
        const pre = req.expectedRevision > 0 ? { revision: req.expectedRevision } : {};
        const { label } = await labels.move(who, req.experimentId, req.label, req.version, pre);
        const experiment = await experiments.load(who, req.experimentId, "read");
        const version = await experiments.requireVersion(req.experimentId, label.version);
        return { label: label.name, version: versionMessage(version, experiment), revision: label.revision };
      },
    },
  };
}
