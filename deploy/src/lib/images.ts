import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseDockerfile, envOf, execForm, ofKind } from "./dockerfile-parse.js";
import { PARTS, repoPath, repoRoot } from "./parts.js";
import { run } from "./proc.js";

/** Where the tests keep assembled image roots between runs (node_modules reused when the lockfile is unchanged). */
export const imageCacheDir = path.join(os.tmpdir(), "crm-deploy-images");

/**
 * Whether `npm ci` (the Dockerfiles' install) accepts the committed lockfile: a dry run in a
 * scratch copy of the manifests, offline, so it is quick and never touches the work tree.
 */
export function lockfileAcceptedByNpmCi(): { ok: boolean; output: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "crm-lockcheck-"));
  try {
    cpSync(repoPath("package.json"), path.join(dir, "package.json"));
    cpSync(repoPath("package-lock.json"), path.join(dir, "package-lock.json"));
    const root = JSON.parse(readFileSync(repoPath("package.json"), "utf8")) as { workspaces: string[] };
    const list = run("npm", ["query", ".workspace", "--json"], { cwd: repoRoot });
    const dirs: string[] =
      list.status === 0
        ? (JSON.parse(list.stdout) as { location: string }[]).map((w) => w.location)
        : root.workspaces.filter((w) => !w.includes("*"));
    for (const d of dirs) {
      mkdirSync(path.join(dir, d), { recursive: true });
      cpSync(repoPath(d, "package.json"), path.join(dir, d, "package.json"));
    }
    const r = run("npm", ["ci", "--dry-run", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: dir });
    const output = `${r.stdout}\n${r.stderr}`
      .split("\n")
      .filter((l) => /Missing:|Invalid:|code E|in sync/.test(l))
      .slice(0, 20)
      .join("\n");
    return { ok: r.status === 0, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds an image root the way the part's Dockerfile does (deploy/scripts/assemble-image.mjs). */
export function assembleImage(dir: string, name: string, repairLock: boolean): string {
  const out = path.join(imageCacheDir, name);
  mkdirSync(imageCacheDir, { recursive: true });
  // A run without root made the previous image root read-only for its owner; undo that first.
  if (existsSync(out)) chmodSync(out, 0o755);
  const args = [repoPath("deploy/scripts/assemble-image.mjs"), dir, out, "--prefer-offline", "--cache"];
  if (repairLock) args.push("--repair-lock");
  const r = run(process.execPath, args, { cwd: repoRoot, timeoutMs: 300_000 });
  if (r.status !== 0) throw new Error(`assemble-image ${dir} failed:\n${r.stdout}\n${r.stderr}`);
  return out;
}

export interface ImageRuntime {
  argv: string[];
  /** ENV of the runtime stage, with /app replaced by the local image root. */
  env: Record<string, string>;
  workdir: string;
  healthcheck?: string[];
}

/** What the runtime stage of a Dockerfile starts, and with which environment. */
export function imageRuntime(dockerfile: string, root: string): ImageRuntime {
  const { stages } = parseDockerfile(readFileSync(repoPath(dockerfile), "utf8"));
  const stage = stages.at(-1)!;
  const entry = ofKind(stage, "ENTRYPOINT")[0];
  const argv = entry ? execForm(entry.raw) : undefined;
  if (!argv) throw new Error(`${dockerfile}: no exec-form ENTRYPOINT`);
  const workdir = ofKind(stage, "WORKDIR").at(-1)?.raw.trim() ?? "/";
  const toLocal = (v: string) => v.replace(/^\/app(?=\/|$)/, root);
  const env = Object.fromEntries(Object.entries(envOf(stage)).map(([k, v]) => [k, toLocal(v)]));
  const hc = ofKind(stage, "HEALTHCHECK")[0];
  const healthcheck = hc && hc.raw.includes("CMD") ? execForm(hc.raw.slice(hc.raw.indexOf("CMD"))) : undefined;
  return { argv, env, workdir: toLocal(workdir), ...(healthcheck ? { healthcheck } : {}) };
}

export const partNames = PARTS.map((p) => p.name);
