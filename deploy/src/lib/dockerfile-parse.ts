import { DockerfileParser, type Instruction } from "dockerfile-ast";

export interface Stage {
  from: { image: string; name?: string };
  instructions: { keyword: string; raw: string; instruction: Instruction }[];
}

/** A Dockerfile parsed with dockerfile-ast and cut into stages (instructions after each FROM). */
export function parseDockerfile(text: string): { stages: Stage[]; directives: string[] } {
  const df = DockerfileParser.parse(text);
  const stages: Stage[] = [];
  for (const instruction of df.getInstructions()) {
    const keyword = instruction.getKeyword();
    const raw = instruction.getRawArgumentsContent() ?? "";
    if (keyword === "FROM") {
      const args = instruction.getArguments().map((a) => a.getValue());
      const asIndex = args.findIndex((a) => a.toUpperCase() === "AS");
      const image = args.find((a) => !a.startsWith("--")) ?? "";
      stages.push({
        from: { image, ...(asIndex >= 0 && args[asIndex + 1] ? { name: args[asIndex + 1] } : {}) },
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${keyword} before the first FROM`);
    stage.instructions.push({ keyword, raw, instruction });
  }
  return { stages, directives: df.getDirectives().map((d) => `${d.getName()}=${d.getValue()}`) };
}

export const ofKind = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

/** The JSON array of an exec-form instruction (ENTRYPOINT/CMD, or HEALTHCHECK's CMD part); undefined for shell form. */
export function execForm(raw: string): string[] | undefined {
  const start = raw.indexOf("[");
  if (start < 0) return undefined;
  try {
    const value = JSON.parse(raw.slice(start).replace(/\\\r?\n\s*/g, "")) as unknown;
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** ENV key=value pairs of a stage (later ones win). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { instruction } of ofKind(stage, "ENV")) {
    const props = (
      instruction as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] }
    ).getProperties();
    for (const p of props) env[p.getName()] = p.getValue() ?? "";
  }
  return env;
}

/** Flags (--name=value) of an instruction such as RUN --mount=… or HEALTHCHECK --interval=…. */
export function flagsOf(instruction: Instruction): Record<string, string> {
  const out: Record<string, string> = {};
  const withFlags = instruction as unknown as { getFlags?: () => { getName(): string; getValue(): string | null }[] };
  for (const f of withFlags.getFlags?.() ?? []) out[f.getName()] = f.getValue() ?? "";
  return out;
}
