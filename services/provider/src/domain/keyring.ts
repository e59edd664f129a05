import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * AES-256-GCM encryption of provider API keys under keys from config. Each ciphertext names
 * the key that made it (`v1:<keyId>:<iv>:<tag>:<data>`, base64url parts), so a new key can be
 * activated while old rows still decrypt, and `reencrypt` moves them to the active key.
 * The additional authenticated data binds a ciphertext to its row: a ciphertext copied onto
 * another provider does not decrypt.
 */
export interface Keyring {
  activeKeyId: string;
  keyIds: string[];
  encrypt(plaintext: string, aad: string): string;
  decrypt(ciphertext: string, aad: string): string;
  /** The key id a ciphertext was made with. */
  keyIdOf(ciphertext: string): string;
}

export class KeyringError extends Error {
  override name = "KeyringError";
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Parses `k1:<base64>,k2:<base64>`; every key must be exactly 32 bytes. */
export function parseKeys(spec: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const part of spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const colon = part.indexOf(":");
    const id = colon > 0 ? part.slice(0, colon) : "";
    if (!KEY_ID.test(id))
      throw new KeyringError("PROVIDER_KEYS: each entry must be `<id>:<base64 key>` with a short id");
    if (keys.has(id)) throw new KeyringError(`PROVIDER_KEYS: key id '${id}' appears twice`);
    const key = Buffer.from(part.slice(colon + 1), "base64");
    if (key.length !== 32)
      throw new KeyringError(`PROVIDER_KEYS: key '${id}' must be 32 bytes (base64), got ${key.length}`);
    keys.set(id, key);
  }
  if (keys.size === 0) throw new KeyringError("PROVIDER_KEYS: no keys given");
  return keys;
}

export function createKeyring(spec: string, activeKeyId?: string): Keyring {
  const keys = parseKeys(spec);
  const active = activeKeyId ?? [...keys.keys()][0]!;
  const activeKey = keys.get(active);
  if (!activeKey) throw new KeyringError(`PROVIDER_ACTIVE_KEY_ID '${active}' is not in PROVIDER_KEYS`);

  const split = (ciphertext: string) => {
    const parts = ciphertext.split(":");
    if (parts.length !== 5 || parts[0] !== "v1") throw new KeyringError("not a v1 ciphertext");
    return { keyId: parts[1]!, iv: parts[2]!, tag: parts[3]!, data: parts[4]! };
  };

  return {
    activeKeyId: active,
    keyIds: [...keys.keys()],
    encrypt(plaintext, aad) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", activeKey, iv);
      cipher.setAAD(Buffer.from(aad));
      const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return ["v1", active, iv.toString("base64url"), tag.toString("base64url"), data.toString("base64url")].join(":");
    },
    decrypt(ciphertext, aad) {
      const { keyId, iv, tag, data } = split(ciphertext);
      const key = keys.get(keyId);
      if (!key) throw new KeyringError(`ciphertext was made with key '${keyId}', which is not in PROVIDER_KEYS`);
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      try {
        return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
      } catch {
        throw new KeyringError("ciphertext does not decrypt (wrong key or tampered data)");
      }
    },
    keyIdOf: (ciphertext) => split(ciphertext).keyId,
  };
}
