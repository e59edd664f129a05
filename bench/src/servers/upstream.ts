#!/usr/bin/env node
import { runParts, type PartModule } from "@crm/kit";
import { benchUpstreamPart } from "../upstream-part.js";

// The bench upstream as its own process (env: MESH_SECRET, BENCH_UPSTREAM_HTTP_PORT, BENCH_UPSTREAM_GRPC_PORT).
// A part with a concrete config shape is not assignable to PartModule<ConfigShape> (zod generics are invariant).
await runParts([benchUpstreamPart as unknown as PartModule]);
