/**
 * Public types of the built-in offline reviewer (the `local` AI provider).
 * They mirror what an external model is asked to return, so the analysis
 * service can treat local and remote findings identically.
 */
export type Severity = "info" | "low" | "medium" | "high" | "critical";

export type Category = "security" | "correctness" | "maintainability" | "performance" | "style";

export interface ReviewFinding {
  path: string;
  line: number;
  endLine?: number;
  severity: Severity;
  rule: string;
  category: string;
  message: string;
  suggestion?: string;
}

export interface ReviewInput {
  path: string;
  code: string;
  language?: string;
  /** Optional allow-list: exact rule ids, categories ("security") or prefixes ("security/*"). */
  rules?: string[];
}

export interface ChatMessage {
  role: string;
  content: string;
}

/** Ordering used for sorting and for deciding what to keep when output is truncated. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  info: 0,
  low: 1,
  medium: 2,
  high: 3,
  critical: 4,
};
