import { Prisma, type PrismaClient } from "@crm/db";

export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuid columns: anything else cannot exist, and must not reach Postgres as a cast error. */
export const isUuid = (value: string): boolean => UUID.test(value);
