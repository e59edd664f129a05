/**
 * The built-in `local` AI provider: an offline, deterministic static
 * reviewer used when no external model is configured and in tests.
 */
export { RULES, ruleFilter, ruleInfo, type RuleInfo } from "./catalog.js";
export { localChatCompletion, type LocalChatRequest, type LocalChatResult } from "./chat.js";
export { detectLanguage, type LanguageKind } from "./language.js";
export { extractCodeFromPrompt } from "./prompt.js";
export { compareFindings, MAX_FINDINGS_PER_RULE, reviewCode } from "./review.js";
export type { Category, ChatMessage, ReviewFinding, ReviewInput, Severity } from "./types.js";
