#!/usr/bin/env node
import { runParts } from "@crm/kit";
import part from "./part.js";

await runParts([part]);
