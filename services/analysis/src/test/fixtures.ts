import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";

const require = createRequire(import.meta.url);

/** The root folder of an installed npm package (real code no one here wrote). */
export function packageRoot(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

/** Source files of a package folder, relative paths, filtered by extension. */
export function sourceFiles(root: string, ext = /\.(?:[cm]?js|ts)$/): { path: string; content: string }[] {
  const out: { path: string; content: string }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name === "node_modules") continue;
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (ext.test(name) && !name.endsWith(".d.ts"))
        out.push({ path: path.relative(root, full).split(path.sep).join("/"), content: readFileSync(full, "utf8") });
    }
  };
  walk(root);
  return out;
}

/** A gzip tarball of files, as a repository archive upload. */
export async function tarball(files: { path: string; content: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on("end", resolve);
    pack.on("error", reject);
  });
  for (const f of files) pack.entry({ name: f.path }, f.content);
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}
