import { randomUUID } from "node:crypto";
import { conflict, HttpError, notFound, type Logger } from "@crm/kit";
import type { ModelEntry, ProviderPatch, ProviderRow, ProviderStore } from "../data/providers.js";
import type { CreateProviderInput, PatchProviderInput, ProviderView } from "../routes/schemas.js";
import type { Keyring } from "./keyring.js";

/** What the orchestrator gets to call a target: never shown to users. */
export interface ResolvedTarget {
  providerId: string;
  providerName: string;
  kind: string;
  baseUrl: string;
  apiKey: string;
  model: ModelEntry;
}

const LOCAL = {
  name: "local",
  kind: "local",
  models: [{ id: "local-reviewer", inputCostPer1k: 0, outputCostPer1k: 0, contextWindow: 128_000 }],
};

const aad = (providerId: string) => `provider:${providerId}`;

/** Short keys would be nearly disclosed by their last four characters. */
const last4 = (key: string) => (key.length >= 12 ? key.slice(-4) : null);

export function toView(row: ProviderRow): ProviderView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as ProviderView["kind"],
    baseUrl: row.baseUrl,
    hasApiKey: row.apiKeyCiphertext !== null,
    apiKeyLast4: row.apiKeyLast4,
    models: modelsOf(row),
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export const modelsOf = (row: ProviderRow): ModelEntry[] => (row.models as unknown as ModelEntry[]) ?? [];

export function providerService(store: ProviderStore, keyring: Keyring, logger: Logger) {
  const log = logger.child({ component: "providers" });
  const keyFields = (id: string, apiKey: string | null) =>
    apiKey === null
      ? { apiKeyCiphertext: null, apiKeyKeyId: null, apiKeyLast4: null }
      : {
          apiKeyCiphertext: keyring.encrypt(apiKey, aad(id)),
          apiKeyKeyId: keyring.activeKeyId,
          apiKeyLast4: last4(apiKey),
        };

  const mustGet = async (id: string) => {
    const row = await store.get(id);
    if (!row) throw notFound("Provider");
    return row;
  };

  return {
    async create(input: CreateProviderInput): Promise<ProviderView> {
      const id = randomUUID();
      const row = await store.create({
        id,
        name: input.name,
        kind: input.kind,
        baseUrl: input.baseUrl ?? null,
        ...keyFields(id, input.apiKey ?? null),
        models: input.models,
        enabled: input.enabled ?? true,
      });
      if (row === "duplicate") throw conflict(`A provider named '${input.name}' already exists`);
      // Never the key, not even its last characters.
      log.info({ providerId: id, kind: input.kind, hasApiKey: input.apiKey !== undefined }, "provider created");
      return toView(row);
    },

    get: async (id: string) => toView(await mustGet(id)),

    list: (opts: Parameters<ProviderStore["list"]>[0]) => store.list(opts),

    async update(id: string, input: PatchProviderInput): Promise<ProviderView> {
      const patch: ProviderPatch = {};
      if (input.name !== undefined) patch.name = input.name;
      if (input.baseUrl !== undefined) patch.baseUrl = input.baseUrl;
      if (input.models !== undefined) patch.models = input.models;
      if (input.enabled !== undefined) patch.enabled = input.enabled;
      if (input.apiKey !== undefined) Object.assign(patch, keyFields(id, input.apiKey));
      const row = await store.update(id, patch);
      if (row === "duplicate") throw conflict(`A provider named '${input.name}' already exists`);
      if (!row) throw notFound("Provider");
      log.info({ providerId: id, fields: Object.keys(input) }, "provider updated");
      return toView(row);
    },

    async remove(id: string): Promise<void> {
      if (!(await store.remove(id))) throw notFound("Provider");
      log.info({ providerId: id }, "provider deleted");
    },

    /** The offline reviewer as a provider, so a fresh install can review code without any key. */
    async ensureLocal(): Promise<void> {
      if ((await store.list()).some((p) => p.name === LOCAL.name)) return;
      const created = await store.create({
        id: randomUUID(),
        ...LOCAL,
        baseUrl: null,
        apiKeyCiphertext: null,
        apiKeyKeyId: null,
        apiKeyLast4: null,
        enabled: true,
      });
      if (created !== "duplicate") log.info({ providerId: created.id }, "built-in local provider created");
    },

    /** Enabled providers with their catalogs, in priority (creation) order. */
    catalog: () => store.list({ enabledOnly: true }),

    async resolveTarget(providerId: string, model: string): Promise<ResolvedTarget> {
      const row = await mustGet(providerId);
      if (!row.enabled) throw new HttpError(412, `Provider '${row.name}' is disabled`);
      const entry = modelsOf(row).find((m) => m.id === model);
      if (!entry) throw notFound(`Model '${model}' of provider '${row.name}'`);
      let apiKey = "";
      if (row.apiKeyCiphertext) {
        try {
          apiKey = keyring.decrypt(row.apiKeyCiphertext, aad(row.id));
        } catch (err) {
          log.error({ providerId, err: { message: (err as Error).message } }, "provider key does not decrypt");
          throw new HttpError(500, `The API key of provider '${row.name}' cannot be decrypted`);
        }
      }
      return {
        providerId: row.id,
        providerName: row.name,
        kind: row.kind,
        baseUrl: row.baseUrl ?? "",
        apiKey,
        model: entry,
      };
    },

    /** Moves every key encrypted under another key id to the active key; returns how many moved. */
    async reencryptAll(): Promise<{ reencrypted: number; skipped: number }> {
      let reencrypted = 0;
      let skipped = 0;
      for (const row of await store.withOtherKey(keyring.activeKeyId)) {
        const from = row.apiKeyCiphertext!;
        const plain = keyring.decrypt(from, aad(row.id));
        const to = keyring.encrypt(plain, aad(row.id));
        if (await store.swapCiphertext(row.id, from, to, keyring.activeKeyId)) reencrypted++;
        else skipped++; // changed meanwhile: the new value was written with the active key already
      }
      return { reencrypted, skipped };
    },
  };
}

export type ProviderService = ReturnType<typeof providerService>;
