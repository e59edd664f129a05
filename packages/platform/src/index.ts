export { prepareEnvironment, type PreparedEnvironment, type PrepareOptions } from "./environment.js";
export { loadParts, PARTS, ADDRESSES, type PartName, type LoadedPart } from "./registry.js";
export { configTable, withConfigTable } from "./config-docs.js";
