// Prisma CLI configuration (Prisma 7 reads the datasource URL from here, not from the schema).
//
// `prisma generate` never connects, so DATABASE_URL may be unset: the default below is only a
// placeholder that keeps the config valid. Migrations are applied by @crm/db's own migrator
// (`npm run migrate`), not by `prisma migrate`, because the schema engine binary is unavailable
// offline; the migrations path is still declared so Prisma tooling finds the same folder.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema",
  migrations: { path: "prisma/migrations" },
  datasource: {
    url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/codereview",
  },
});
