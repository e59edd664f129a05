import { hash, verify, type Options } from "@node-rs/argon2";
import { zxcvbn, zxcvbnOptions } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";
import * as english from "@zxcvbn-ts/language-en";

/**
 * Password hashing and the strength rule.
 *
 * Hashes are argon2id with OWASP's baseline parameters (19 MiB, 2 passes, 1 lane). A stored hash
 * made with weaker parameters is upgraded on the next successful login (`needsRehash`).
 */
const ARGON2: Options = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 };
const CURRENT_PARAMS = `$argon2id$v=19$m=${ARGON2.memoryCost},t=${ARGON2.timeCost},p=${ARGON2.parallelism}$`;

export const MIN_PASSWORD_LENGTH = 12;
/** Argon2 accepts anything, but hashing megabytes on request is a free CPU DoS. */
export const MAX_PASSWORD_LENGTH = 256;
/** zxcvbn score 0..4; 3 = "safely unguessable: moderate protection from offline slow-hash attacks". */
const MIN_SCORE = 3;

zxcvbnOptions.setOptions({
  dictionary: { ...common.dictionary, ...english.dictionary },
  graphs: common.adjacencyGraphs,
  // Feedback is fixed English text (it never quotes the password), safe to return in a 400.
  translations: english.translations,
});

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false; // a malformed stored hash never matches
  }
}

export function needsRehash(storedHash: string): boolean {
  return !storedHash.startsWith(CURRENT_PARAMS);
}

/**
 * A real hash of a random password, verified against when the e-mail is unknown so that
 * "no such user" costs the same argon2 time as "wrong password" and timing reveals nothing.
 */
let dummy: Promise<string> | undefined;
export function dummyVerify(password: string): Promise<boolean> {
  dummy ??= hashPassword(crypto.randomUUID());
  return dummy.then((h) => verifyPassword(h, password));
}

/**
 * Why a password is too weak, or undefined when it is acceptable: at least 12 characters and a
 * zxcvbn score of 3+ (which rejects common passwords, keyboard walks, dates and repeats), and
 * not containing the user's e-mail name or display name. Never echoes the password.
 */
export function passwordWeakness(password: string, userInputs: string[] = []): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  // zxcvbn matches user inputs word by word; "jane.doe2024" for jane.doe@… needs the whole check.
  const flat = (x: string) => x.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
  const personal = userInputs.map((x) => flat(x.split("@")[0] ?? "")).filter((x) => x.length >= 4);
  if (personal.some((x) => flat(password).includes(x))) return "must not contain your e-mail address or name";
  const inputs = userInputs.flatMap((x) => [x, ...x.split(/[@.\s_+-]+/)]).filter((x) => x.length >= 3);
  const result = zxcvbn(password, inputs);
  if (result.score >= MIN_SCORE) return undefined;
  const hint = result.feedback.warning;
  return `is too easy to guess${hint ? `: ${hint.replace(/\.$/, "")}` : ""}; use a longer passphrase or more varied characters`;
}
