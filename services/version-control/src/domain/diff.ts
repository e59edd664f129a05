import jsonpatch from "fast-json-patch";

export interface Change {
  op: "add" | "remove" | "replace";
  /** JSON pointer (RFC 6901) into the config. */
  path: string;
  from?: unknown;
  to?: unknown;
}

/**
 * The changes that turn config `a` into config `b`, as computed by fast-json-patch (RFC 6902
 * add/remove/replace with JSON-pointer paths), with the old value (`from`) and new one (`to`).
 */
export function diffConfigs(a: unknown, b: unknown): Change[] {
  const ops = jsonpatch.compare(a as object, b as object);
  return ops.map((op): Change => {
    const before = () => jsonpatch.getValueByPointer(a, op.path) as unknown;
    switch (op.op) {
      case "add":
        return { op: "add", path: op.path, to: op.value };
      case "remove":
        return { op: "remove", path: op.path, from: before() };
      case "replace":
        return { op: "replace", path: op.path, from: before(), to: op.value };
      default:
        // compare() emits only the three ops above; anything else would be a library change.
        throw new Error(`unexpected patch operation ${op.op}`);
    }
  });
}
