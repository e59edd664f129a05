import { fileURLToPath } from "node:url";
import { join } from "node:path";

/**
 * Repository root, found relative to this module. The same relative path holds for the
 * TypeScript source (packages/db/src) and the build output (packages/db/dist), and keeps
 * holding in a container image as long as the repo layout is copied as is.
 */
export const repoRoot: string = fileURLToPath(new URL("../../../", import.meta.url));

/** The Prisma migrations folder every service's migration lives in. */
export const defaultMigrationsDir: string = join(repoRoot, "prisma", "migrations");

/** The Prisma schema folder (one `<service>.prisma` file per service plus `base.prisma`). */
export const defaultSchemaDir: string = join(repoRoot, "prisma", "schema");
