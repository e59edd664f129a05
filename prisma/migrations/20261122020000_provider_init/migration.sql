-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "provider";

-- CreateTable
CREATE TABLE "provider"."providers" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "base_url" TEXT,
    "api_key_ciphertext" TEXT,
    "api_key_key_id" TEXT,
    "api_key_last4" TEXT,
    "models" JSONB NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "providers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provider"."quotas" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "subject_id" TEXT,
    "provider_id" UUID,
    "requests_per_minute" INTEGER,
    "tokens_per_day" INTEGER,
    "budget_usd_per_month" DECIMAL(14,4),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "quotas_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provider"."usage_records" (
    "id" UUID NOT NULL,
    "request_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "project_id" TEXT,
    "provider_id" UUID,
    "provider_name" TEXT,
    "model" TEXT NOT NULL,
    "requested_model" TEXT,
    "input_tokens" INTEGER NOT NULL DEFAULT 0,
    "output_tokens" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" DECIMAL(14,6) NOT NULL DEFAULT 0,
    "latency_ms" INTEGER NOT NULL DEFAULT 0,
    "cache_hit" BOOLEAN NOT NULL DEFAULT false,
    "outcome" TEXT NOT NULL,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_records_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "providers_name_key" ON "provider"."providers"("name");

-- CreateIndex
CREATE INDEX "providers_api_key_key_id_idx" ON "provider"."providers"("api_key_key_id");

-- CreateIndex
CREATE UNIQUE INDEX "quotas_key_key" ON "provider"."quotas"("key");

-- CreateIndex
CREATE INDEX "usage_records_created_at_idx" ON "provider"."usage_records"("created_at");

-- CreateIndex
CREATE INDEX "usage_records_provider_id_model_created_at_idx" ON "provider"."usage_records"("provider_id", "model", "created_at");

-- CreateIndex
CREATE INDEX "usage_records_user_id_created_at_idx" ON "provider"."usage_records"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "usage_records_request_id_idx" ON "provider"."usage_records"("request_id");
