import type { LanguageKind } from "../language.js";
import type { FindingSink } from "../sink.js";
import { createContext } from "./ast.js";
import { checkCorrectness } from "./correctness.js";
import { checkCrypto } from "./crypto.js";
import { checkInjection } from "./injection.js";
import { checkMetrics } from "./metrics.js";
import { checkScopes } from "./scope.js";
import { checkStyle } from "./style.js";
import { checkWeb } from "./web.js";

/** Parses once with the TypeScript compiler (handles JS/TS/JSX/TSX) and runs every JS rule module. */
export function reviewJavaScript(path: string, code: string, kind: LanguageKind, sink: FindingSink): void {
  const ctx = createContext(path, code, kind, sink);
  checkInjection(ctx);
  checkWeb(ctx);
  checkCrypto(ctx);
  checkCorrectness(ctx);
  checkScopes(ctx);
  checkMetrics(ctx);
  checkStyle(ctx);
}
