-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "comparison";

-- CreateTable
CREATE TABLE "comparison"."comparisons" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "experiment_id" UUID NOT NULL,
    "baseline_version" INTEGER NOT NULL,
    "candidate_version" INTEGER NOT NULL,
    "paths" TEXT[],
    "line_tolerance" INTEGER NOT NULL,
    "created_by" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "baseline_analysis_id" UUID,
    "candidate_analysis_id" UUID,
    "result" JSONB,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "comparisons_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "comparison"."ab_tests" (
    "id" UUID NOT NULL,
    "experiment_id" UUID NOT NULL,
    "project_id" UUID,
    "name" TEXT,
    "metric" TEXT NOT NULL,
    "alpha" DOUBLE PRECISION NOT NULL,
    "variants" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "winner_version" INTEGER,
    "promoted" BOOLEAN NOT NULL DEFAULT false,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stopped_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ab_tests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "comparison"."ab_events" (
    "id" UUID NOT NULL,
    "test_id" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ab_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "comparisons_project_id_created_at_idx" ON "comparison"."comparisons"("project_id", "created_at");

-- CreateIndex
CREATE INDEX "comparisons_status_idx" ON "comparison"."comparisons"("status");

-- CreateIndex
CREATE INDEX "ab_tests_experiment_id_idx" ON "comparison"."ab_tests"("experiment_id");

-- CreateIndex
CREATE INDEX "ab_events_test_id_version_type_idx" ON "comparison"."ab_events"("test_id", "version", "type");

-- CreateIndex
CREATE UNIQUE INDEX "ab_events_test_id_subject_type_key" ON "comparison"."ab_events"("test_id", "subject", "type");

-- AddForeignKey
ALTER TABLE "comparison"."ab_events" ADD CONSTRAINT "ab_events_test_id_fkey" FOREIGN KEY ("test_id") REFERENCES "comparison"."ab_tests"("id") ON DELETE CASCADE ON UPDATE CASCADE;
