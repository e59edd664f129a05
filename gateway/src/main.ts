#!/usr/bin/env node
import { runParts, type PartModule } from "@crm/kit";
import part from "./part.js";

// A concrete config shape is not assignable to PartModule<ConfigShape> (zod generics are invariant).
await runParts([part as unknown as PartModule]);
