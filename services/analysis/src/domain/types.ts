/** Severities in rising order; the contract's names. */
export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export const KINDS = ["static", "ai"] as const;
export type Kind = (typeof KINDS)[number];

export type AnalysisStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";
export const TERMINAL: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled"]);

/** A finding before it is stored: where, what, and which analyzer or model said so. */
export interface FindingDraft {
  path: string;
  line: number;
  endLine?: number;
  column?: number;
  severity: Severity;
  rule: string;
  category: string;
  message: string;
  source: Kind;
  suggestion?: string;
  analyzer: string;
  analyzerVersion?: string;
  provider?: string;
  model?: string;
  experimentId?: string;
  version?: number;
  requestId?: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  /** What the finding is about, independent of who found it (dedupe key); not stored. */
  concept?: string;
}

/** A file as a job reviews it. */
export interface SourceFile {
  path: string;
  content: string;
  language: string;
  /** Diff analyses: the new file's added lines; undefined = every line counts. */
  changedLines?: ReadonlySet<number>;
  /** The content is a reconstruction from diff hunks (lines outside them are blank). */
  partial?: boolean;
}

/** Languages this service knows by file extension (others get the language-independent checks). */
const EXTENSIONS: Record<string, string> = {
  js: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  jsx: "javascript",
  ts: "typescript",
  mts: "typescript",
  cts: "typescript",
  tsx: "typescript",
  py: "python",
  go: "go",
  rb: "ruby",
  java: "java",
  kt: "kotlin",
  rs: "rust",
  c: "c",
  h: "c",
  cc: "cpp",
  cpp: "cpp",
  hpp: "cpp",
  cs: "csharp",
  php: "php",
  sh: "shell",
  json: "json",
  yml: "yaml",
  yaml: "yaml",
  md: "markdown",
};

export function languageOf(path: string, given?: string): string {
  if (given) return given.toLowerCase();
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return EXTENSIONS[ext] ?? "text";
}

export const isJsLike = (path: string) => /\.(?:[cm]?[jt]sx?)$/i.test(path);

export function lineCount(content: string): number {
  if (content.length === 0) return 1;
  const n = content.split("\n").length;
  // A trailing newline ends the last line; it does not start a new one.
  return content.endsWith("\n") ? n - 1 : n;
}
