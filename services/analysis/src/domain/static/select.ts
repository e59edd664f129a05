import { STATIC_RULES, type StaticRule } from "./catalog.js";

/**
 * Which curated rules run, from a version's `staticRules`: each entry names a rule id
 * ("eslint/no-eval"), a prefix ("eslint/security", "secrets/*"), a category ("security"), an
 * analyzer ("eslint", "secretlint", "text", "metrics"), a concept or "all"; "!entry" excludes.
 * No entries (or only exclusions): the default set (minus the exclusions).
 */
export function matchesRule(pattern: string, rule: StaticRule): boolean {
  const p = pattern.trim().replace(/\/\*+$/, "");
  if (!p) return false;
  return (
    p === "all" ||
    p === rule.id ||
    rule.id.startsWith(`${p}/`) ||
    p === rule.category ||
    p === rule.analyzer ||
    p === rule.concept
  );
}

export function selectRules(patterns: readonly string[] | undefined): ReadonlySet<string> {
  const includes = (patterns ?? []).filter((p) => !p.startsWith("!"));
  const excludes = (patterns ?? []).filter((p) => p.startsWith("!")).map((p) => p.slice(1));
  const chosen = STATIC_RULES.filter((rule) =>
    includes.length === 0 ? rule.byDefault : includes.some((p) => matchesRule(p, rule)),
  ).filter((rule) => !excludes.some((p) => matchesRule(p, rule)));
  return new Set(chosen.map((r) => r.id));
}
