import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/**
 * The one set of proto-loader options: the runtime and the type generator
 * (`npm run generate -w @crm/proto`) must agree, or generated types lie.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
};

/** `proto/` at the repository root (or PROTO_DIR, as in container images). */
export function protoDir(): string {
  if (process.env.PROTO_DIR) return process.env.PROTO_DIR;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, "proto");
    if (existsSync(path.join(candidate, "crm"))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error("Cannot find the proto/ directory; set PROTO_DIR");
}

const cache = new Map<string, protoLoader.PackageDefinition>();

/** Loads e.g. "crm/auth/v1/auth.proto" (with google/protobuf includes) once per process. */
export function loadProto(file: string): protoLoader.PackageDefinition {
  let def = cache.get(file);
  if (!def) {
    def = protoLoader.loadSync(path.join(protoDir(), file), { ...PROTO_LOADER_OPTIONS, includeDirs: [protoDir()] });
    cache.set(file, def);
  }
  return def;
}

/** The service definition for a fully qualified name like "crm.auth.v1.AuthService". */
export function serviceDefinition(def: protoLoader.PackageDefinition, fqn: string): grpc.ServiceDefinition {
  const service = def[fqn];
  if (!service || "format" in service) throw new Error(`Service ${fqn} is not in the loaded protos`);
  return service as unknown as grpc.ServiceDefinition;
}
