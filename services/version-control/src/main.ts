#!/usr/bin/env node
import { runParts, type PartModule } from "@crm/kit";
import part from "./part.js";

// runParts takes parts of any config shape; its parameter type is the base shape, hence the cast.
await runParts([part as unknown as PartModule]);
