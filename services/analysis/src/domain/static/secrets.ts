import { lintSource } from "@secretlint/core";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import type { FindingDraft, SourceFile } from "../types.js";
import { RULES_BY_ID } from "./catalog.js";

/**
 * Secret detection with secretlint's recommended preset (AWS, GCP, GitHub, Slack, npm, private
 * keys, basic auth, …), run on any text file. Messages are masked: a finding never repeats the
 * secret it found.
 */
const config = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended }] };
const family = RULES_BY_ID.get("secrets/secretlint")!;

function shortId(ruleId: string): string {
  return ruleId.replace(/^@secretlint\/secretlint-rule-/, "").replace(/^preset-recommend\//, "") || "secret";
}

export async function runSecretlint(file: SourceFile): Promise<FindingDraft[]> {
  const ext = file.path.includes(".") ? file.path.slice(file.path.lastIndexOf(".")) : "";
  const result = await lintSource({
    source: { filePath: file.path, content: file.content, ext, contentType: "text" },
    options: { config, maskSecrets: true, noPhysicFilePath: true },
  });
  return result.messages
    .filter((m) => m.type === "message")
    .map((m) => ({
      path: file.path,
      line: Math.max(1, m.loc.start.line),
      ...(m.loc.end.line > m.loc.start.line ? { endLine: m.loc.end.line } : {}),
      column: m.loc.start.column + 1,
      severity: family.severity,
      rule: `secrets/${shortId(m.ruleId)}`,
      category: family.category,
      message: m.message,
      source: "static" as const,
      suggestion: "Remove the secret from the code, rotate it, and load it from the environment or a secret store.",
      analyzer: "secretlint",
      concept: family.concept,
    }));
}
