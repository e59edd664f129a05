#!/usr/bin/env node
import { runParts, type PartModule } from "@crm/kit";
import part from "./part.js";

// A part with a concrete config shape is not assignable to PartModule<ConfigShape> (zod's
// generics are invariant); runParts only hands each part its own validated config.
await runParts([part as unknown as PartModule]);
