import type { Analysis, Finding } from "@crm/db";
import { RULES_BY_ID } from "./static/catalog.js";
import { ESLINT_VERSION } from "./static/eslint.js";

/**
 * SARIF 2.1.0 (OASIS) for an analysis: one run per tool (ESLint, secretlint, our text and metric
 * checks, the AI reviewer), rules with their default level, results with physical locations
 * relative to the repository root (%SRCROOT%), stable fingerprints and our provenance in
 * `properties`. GitHub code scanning, reviewdog and SonarQube import this.
 */
const LEVEL: Record<string, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};
/** GitHub ranks security alerts by this CVSS-like score on the rule. */
const SECURITY_SEVERITY: Record<string, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "1.0",
};

interface Tool {
  name: string;
  version?: string;
  informationUri: string;
}

function toolOf(f: Finding): { key: string; tool: Tool } {
  switch (f.analyzer) {
    case "eslint":
      return { key: "eslint", tool: { name: "ESLint", version: ESLINT_VERSION, informationUri: "https://eslint.org" } };
    case "secretlint":
      return {
        key: "secretlint",
        tool: { name: "secretlint", informationUri: "https://github.com/secretlint/secretlint" },
      };
    case "ai-orchestrator":
      return {
        key: `ai:${f.provider ?? ""}:${f.model ?? ""}`,
        tool: {
          name: `CodeReview Mesh AI review${f.model ? ` (${f.model})` : ""}`,
          informationUri: "https://codereview-mesh.dev/docs/analysis",
        },
      };
    default:
      return {
        key: "crm",
        tool: {
          name: "CodeReview Mesh checks",
          version: "1",
          informationUri: "https://codereview-mesh.dev/docs/analysis",
        },
      };
  }
}

const uriOf = (path: string) => path.split("/").map(encodeURIComponent).join("/");

export function toSarif(a: Analysis, findings: Finding[]): Record<string, unknown> {
  const runs = new Map<
    string,
    { tool: Tool; rules: Map<string, Record<string, unknown>>; results: Record<string, unknown>[] }
  >();
  for (const f of findings) {
    const { key, tool } = toolOf(f);
    let run = runs.get(key);
    if (!run) runs.set(key, (run = { tool, rules: new Map(), results: [] }));
    if (!run.rules.has(f.rule)) {
      const known =
        RULES_BY_ID.get(f.rule) ?? (f.rule.startsWith("secrets/") ? RULES_BY_ID.get("secrets/secretlint") : undefined);
      const category = known?.category ?? f.category;
      run.rules.set(f.rule, {
        id: f.rule,
        shortDescription: { text: known?.description ?? f.rule },
        defaultConfiguration: { level: LEVEL[known?.severity ?? f.severity] ?? "warning" },
        properties: {
          category,
          tags: [category],
          ...(category === "security" ? { "security-severity": SECURITY_SEVERITY[known?.severity ?? f.severity] } : {}),
        },
      });
    }
    const ruleIndex = [...run.rules.keys()].indexOf(f.rule);
    run.results.push({
      ruleId: f.rule,
      ruleIndex,
      level: LEVEL[f.severity] ?? "warning",
      message: { text: f.suggestion ? `${f.message}\nSuggestion: ${f.suggestion}` : f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: uriOf(f.path), uriBaseId: "%SRCROOT%" },
            region: {
              startLine: f.line,
              ...(f.endLine !== null ? { endLine: f.endLine } : {}),
              ...(f.column !== null && f.column > 0 ? { startColumn: f.column } : {}),
            },
          },
        },
      ],
      partialFingerprints: { "crmFindingHash/v1": f.fingerprint },
      properties: {
        severity: f.severity,
        source: f.source,
        category: f.category,
        findingId: f.id,
        provenance: {
          analyzer: f.analyzer,
          ...(f.analyzerVersion ? { analyzerVersion: f.analyzerVersion } : {}),
          ...(f.provider ? { provider: f.provider } : {}),
          ...(f.model ? { model: f.model } : {}),
          ...(f.experimentId ? { experimentId: f.experimentId } : {}),
          ...(f.version !== null ? { version: f.version } : {}),
          ...(f.requestId ? { requestId: f.requestId } : {}),
          ...(f.inputTokens !== null
            ? { inputTokens: f.inputTokens, outputTokens: f.outputTokens, costUsd: f.costUsd }
            : {}),
        },
      },
    });
  }
  const invocation = {
    executionSuccessful: a.status === "succeeded",
    ...(a.startedAt ? { startTimeUtc: a.startedAt.toISOString() } : {}),
    ...(a.finishedAt ? { endTimeUtc: a.finishedAt.toISOString() } : {}),
  };
  const automationDetails = { id: `codereview-mesh/analysis/${a.id}` };
  const sarifRuns = [...runs.values()].map((run) => ({
    tool: { driver: { ...run.tool, rules: [...run.rules.values()] } },
    automationDetails,
    invocations: [invocation],
    originalUriBaseIds: { "%SRCROOT%": { uri: "file:///" } },
    results: run.results,
  }));
  if (sarifRuns.length === 0)
    sarifRuns.push({
      tool: {
        driver: {
          name: "CodeReview Mesh checks",
          version: "1",
          informationUri: "https://codereview-mesh.dev/docs/analysis",
          rules: [],
        },
      },
      automationDetails,
      invocations: [invocation],
      originalUriBaseIds: { "%SRCROOT%": { uri: "file:///" } },
      results: [],
    });
  return {
    $schema: "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
    version: "2.1.0",
    runs: sarifRuns,
  };
}
