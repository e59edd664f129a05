-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "orchestrator";

-- CreateTable
CREATE TABLE "orchestrator"."routes" (
    "alias" TEXT NOT NULL,
    "strategy" TEXT NOT NULL,
    "targets" JSONB NOT NULL,
    "fallback" JSONB,
    "timeout_ms" INTEGER,
    "retries" INTEGER,
    "cache_ttl_seconds" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "routes_pkey" PRIMARY KEY ("alias")
);
