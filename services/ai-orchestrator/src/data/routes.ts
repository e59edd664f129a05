import { Prisma, type PrismaClient, type Route } from "@crm/db";

export interface RouteTarget {
  providerId: string;
  model: string;
  weight?: number;
}

export interface RouteDef {
  alias: string;
  strategy: "priority" | "weighted" | "cheapest" | "fastest";
  targets: RouteTarget[];
  fallback: RouteTarget | null;
  timeoutMs: number | null;
  retries: number | null;
  cacheTtlSeconds: number | null;
  createdAt: Date;
  updatedAt: Date;
}

const toDef = (r: Route): RouteDef => ({
  alias: r.alias,
  strategy: r.strategy as RouteDef["strategy"],
  targets: r.targets as unknown as RouteTarget[],
  fallback: (r.fallback as unknown as RouteTarget | null) ?? null,
  timeoutMs: r.timeoutMs,
  retries: r.retries,
  cacheTtlSeconds: r.cacheTtlSeconds,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

export type RouteInput = Omit<RouteDef, "alias" | "createdAt" | "updatedAt">;

/** orchestrator.routes: alias → targets. */
export function routeStore(prisma: PrismaClient) {
  return {
    async get(alias: string): Promise<RouteDef | undefined> {
      const row = await prisma.route.findUnique({ where: { alias } });
      return row ? toDef(row) : undefined;
    },
    async list(): Promise<RouteDef[]> {
      return (await prisma.route.findMany({ orderBy: { alias: "asc" } })).map(toDef);
    },
    async put(alias: string, input: RouteInput): Promise<{ route: RouteDef; created: boolean }> {
      const data = {
        strategy: input.strategy,
        targets: input.targets as unknown as Prisma.InputJsonValue,
        fallback: input.fallback ? (input.fallback as unknown as Prisma.InputJsonValue) : Prisma.DbNull,
        timeoutMs: input.timeoutMs,
        retries: input.retries,
        cacheTtlSeconds: input.cacheTtlSeconds,
      };
      const existed = (await prisma.route.count({ where: { alias } })) > 0;
      const row = await prisma.route.upsert({
        where: { alias },
        create: { alias, ...data },
        update: data,
      });
      return { route: toDef(row), created: !existed };
    },
    async remove(alias: string): Promise<boolean> {
      const { count } = await prisma.route.deleteMany({ where: { alias } });
      return count > 0;
    },
  };
}

export type RouteStore = ReturnType<typeof routeStore>;
