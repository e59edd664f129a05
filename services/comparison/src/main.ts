#!/usr/bin/env node
import { runParts, type PartModule } from "@crm/kit";
import part from "./part.js";

// runParts takes parts of any config shape; its parameter is the base shape (generics are
// invariant), and it hands each part only its own validated config, hence the cast.
await runParts([part as unknown as PartModule]);
