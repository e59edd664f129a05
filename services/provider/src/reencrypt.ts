#!/usr/bin/env node
/**
 * `node dist/reencrypt.js`: re-encrypts every stored provider API key under
 * PROVIDER_ACTIVE_KEY_ID. Rotation: add the new key to PROVIDER_KEYS, make it active, roll the
 * services, run this, then drop the old key. Reads DATABASE_URL, PROVIDER_KEYS,
 * PROVIDER_ACTIVE_KEY_ID; prints one JSON line; exit 1 on failure. Safe to rerun.
 */
import { createPrisma } from "@crm/db";
import { createLogger, loadConfig } from "@crm/kit";
import { config } from "./config.js";
import { providerStore } from "./data/providers.js";
import { createKeyring } from "./domain/keyring.js";
import { providerService } from "./domain/providers.js";

const { DATABASE_URL, PROVIDER_KEYS, PROVIDER_ACTIVE_KEY_ID } = config;
const logger = createLogger({ name: "provider-reencrypt" });

async function main(): Promise<number> {
  let cfg;
  try {
    cfg = loadConfig("provider-reencrypt", { DATABASE_URL, PROVIDER_KEYS, PROVIDER_ACTIVE_KEY_ID });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
  const prisma = createPrisma(cfg.DATABASE_URL, { poolSize: 2 });
  try {
    const keyring = createKeyring(cfg.PROVIDER_KEYS, cfg.PROVIDER_ACTIVE_KEY_ID);
    const result = await providerService(providerStore(prisma), keyring, logger).reencryptAll();
    logger.info({ ...result, activeKeyId: keyring.activeKeyId }, "provider keys re-encrypted");
    return 0;
  } catch (err) {
    logger.error({ err: { message: (err as Error).message } }, "re-encryption failed");
    return 1;
  } finally {
    await prisma.$disconnect();
    logger.flush();
  }
}

process.exitCode = await main();
