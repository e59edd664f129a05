import * as linguist from "linguist-languages";

/**
 * Language detection from GitHub Linguist's language table (the `linguist-languages` package):
 * exact file names (Dockerfile, Makefile…), then the longest known extension, then the shebang's
 * interpreter. Where several languages claim an extension, the shebang decides, then the language
 * whose primary extension it is, then the more common language.
 */
interface LanguageData {
  name: string;
  type: string;
  extensions?: readonly string[];
  filenames?: readonly string[];
  interpreters?: readonly string[];
}

/** Tie-breaks between languages sharing an extension or interpreter: earlier wins. */
const COMMON = [
  "JavaScript",
  "TypeScript",
  "Python",
  "Java",
  "C",
  "C++",
  "C#",
  "Go",
  "Rust",
  "Ruby",
  "PHP",
  "Shell",
  "Kotlin",
  "Swift",
  "Objective-C",
  "Scala",
  "Perl",
  "SQL",
  "HTML",
  "CSS",
  "Markdown",
  "JSON",
  "YAML",
  "XML",
  "Text",
];
const TYPE_ORDER = ["programming", "markup", "data", "prose"];

const byFilename = new Map<string, LanguageData[]>();
const byExtension = new Map<string, LanguageData[]>();
const byInterpreter = new Map<string, LanguageData[]>();

function add(map: Map<string, LanguageData[]>, key: string, lang: LanguageData): void {
  const list = map.get(key);
  if (list) list.push(lang);
  else map.set(key, [lang]);
}

for (const lang of Object.values(linguist) as LanguageData[]) {
  for (const name of lang.filenames ?? []) add(byFilename, name.toLowerCase(), lang);
  for (const ext of lang.extensions ?? []) add(byExtension, ext.toLowerCase(), lang);
  for (const interpreter of lang.interpreters ?? []) add(byInterpreter, interpreter, lang);
}

function rank(lang: LanguageData, ext?: string): number[] {
  const common = COMMON.indexOf(lang.name);
  const type = TYPE_ORDER.indexOf(lang.type);
  return [
    ext !== undefined && lang.extensions?.[0]?.toLowerCase() === ext ? 0 : 1,
    common === -1 ? COMMON.length : common,
    type === -1 ? TYPE_ORDER.length : type,
  ];
}

function best(candidates: LanguageData[], ext?: string): LanguageData {
  return [...candidates].sort((a, b) => {
    const ra = rank(a, ext);
    const rb = rank(b, ext);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
    return a.name.localeCompare(b.name);
  })[0]!;
}

/** `#!/usr/bin/env -S python3 -u` → "python3"; `#!/bin/bash` → "bash". */
export function shebangInterpreter(content: string): string | undefined {
  if (!content.startsWith("#!")) return undefined;
  const line = content.slice(2, content.indexOf("\n") === -1 ? 200 : Math.min(content.indexOf("\n"), 200));
  const words = line.trim().split(/\s+/);
  let program = words.shift();
  if (program && /(^|\/)env$/.test(program)) {
    while (words[0]?.startsWith("-")) words.shift();
    program = words.shift();
  }
  const name = program?.split("/").pop();
  return name || undefined;
}

function fromInterpreter(interpreter: string | undefined): LanguageData[] {
  if (!interpreter) return [];
  // python3.11 → python3 → python
  for (const candidate of [interpreter, interpreter.replace(/[\d.]+$/, ""), interpreter.replace(/\d.*$/, "")]) {
    const found = byInterpreter.get(candidate);
    if (found) return found;
  }
  return [];
}

export function detectLanguage(path: string, content = ""): string | null {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const named = byFilename.get(base.toLowerCase());
  if (named) return best(named).name;

  const interpreted = fromInterpreter(shebangInterpreter(content));
  const lower = base.toLowerCase();
  // Longest extension first: "x.d.ts" tries ".d.ts" then ".ts"; a leading dot (".eslintrc") is a name.
  for (let i = lower.indexOf(".", 1); i !== -1; i = lower.indexOf(".", i + 1)) {
    const ext = lower.slice(i);
    const candidates = byExtension.get(ext);
    if (!candidates) continue;
    const agreed = candidates.filter((c) => interpreted.includes(c));
    return best(agreed.length > 0 ? agreed : candidates, ext).name;
  }
  if (interpreted.length > 0) return best(interpreted).name;
  if (/^<\?php\b/.test(content)) return "PHP";
  if (/^<\?xml\s/.test(content)) return "XML";
  return null;
}
