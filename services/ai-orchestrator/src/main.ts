#!/usr/bin/env node
import { runParts, type PartModule } from "@crm/kit";
import part from "./part.js";

// A part's config shape is specific; runParts takes any part (its create() is contravariant).
await runParts([part as unknown as PartModule]);
