/** What overlap needs of a finding. */
export interface Comparable {
  path: string;
  line: number;
  rule: string;
  category: string;
}

export interface Overlap {
  both: number;
  onlyBaseline: number;
  onlyCandidate: number;
  /** |A ∩ B| / |A ∪ B|; 1 when neither variant found anything (they agree completely). */
  jaccard: number;
}

/** Two findings are "the same" when in the same file, same rule or category, lines within tolerance. */
export function sameFinding(a: Comparable, b: Comparable, tolerance: number): boolean {
  return (
    a.path === b.path &&
    (a.rule === b.rule || (a.category !== "" && a.category === b.category)) &&
    Math.abs(a.line - b.line) <= tolerance
  );
}

/**
 * Matches baseline and candidate findings one-to-one so that as many as possible pair up (a
 * maximum bipartite matching, Kuhn's augmenting paths, per file), preferring same-rule and
 * nearer pairs. A finding counts in `both` once, never twice.
 */
export function overlap(baseline: Comparable[], candidate: Comparable[], tolerance: number): Overlap {
  const byPath = new Map<string, { a: Comparable[]; b: Comparable[] }>();
  for (const f of baseline) (byPath.get(f.path) ?? byPath.set(f.path, { a: [], b: [] }).get(f.path)!).a.push(f);
  for (const f of candidate) (byPath.get(f.path) ?? byPath.set(f.path, { a: [], b: [] }).get(f.path)!).b.push(f);
  let both = 0;
  for (const { a, b } of byPath.values()) both += matchCount(a, b, tolerance);
  const union = baseline.length + candidate.length - both;
  return {
    both,
    onlyBaseline: baseline.length - both,
    onlyCandidate: candidate.length - both,
    jaccard: union === 0 ? 1 : both / union,
  };
}

function matchCount(a: Comparable[], b: Comparable[], tolerance: number): number {
  const edges = a.map((x) =>
    b
      .map((y, j) => ({ j, cost: (x.rule === y.rule ? 0 : 1000) + Math.abs(x.line - y.line) }))
      .filter(({ j }) => sameFinding(x, b[j]!, tolerance))
      .sort((p, q) => p.cost - q.cost)
      .map(({ j }) => j),
  );
  const owner = new Array<number>(b.length).fill(-1);
  const tryAssign = (i: number, seen: boolean[]): boolean => {
    for (const j of edges[i]!) {
      if (seen[j]) continue;
      seen[j] = true;
      if (owner[j] === -1 || tryAssign(owner[j]!, seen)) {
        owner[j] = i;
        return true;
      }
    }
    return false;
  };
  let count = 0;
  for (let i = 0; i < a.length; i++) if (tryAssign(i, new Array<boolean>(b.length).fill(false))) count++;
  return count;
}
