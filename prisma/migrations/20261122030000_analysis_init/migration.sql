-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "analysis";

-- CreateTable
CREATE TABLE "analysis"."analyses" (
    "id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "created_by" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "kinds" TEXT[],
    "paths" TEXT[],
    "diff" TEXT,
    "experiment_id" UUID,
    "version" INTEGER,
    "label" TEXT,
    "config_source" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "thresholds" JSONB NOT NULL,
    "request_key" TEXT,
    "job_id" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "heartbeat_at" TIMESTAMPTZ(3),
    "planned" BOOLEAN NOT NULL DEFAULT false,
    "progress_done" INTEGER NOT NULL DEFAULT 0,
    "progress_total" INTEGER NOT NULL DEFAULT 0,
    "input_tokens" INTEGER NOT NULL DEFAULT 0,
    "output_tokens" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "summary" JSONB,
    "gate" TEXT,
    "warnings" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "analyses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "analysis"."analysis_files" (
    "analysis_id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "file_id" UUID,
    "language" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "changed_lines" INTEGER[],
    "findings" INTEGER NOT NULL DEFAULT 0,
    "metrics" JSONB,

    CONSTRAINT "analysis_files_pkey" PRIMARY KEY ("analysis_id","path")
);

-- CreateTable
CREATE TABLE "analysis"."findings" (
    "id" UUID NOT NULL,
    "analysis_id" UUID NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "line" INTEGER NOT NULL,
    "end_line" INTEGER,
    "column" INTEGER,
    "severity" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "suggestion" TEXT,
    "analyzer" TEXT NOT NULL,
    "analyzer_version" TEXT,
    "provider" TEXT,
    "model" TEXT,
    "experiment_id" UUID,
    "version" INTEGER,
    "request_id" TEXT,
    "input_tokens" INTEGER,
    "output_tokens" INTEGER,
    "cost_usd" DOUBLE PRECISION,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "findings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "analyses_project_id_created_at_idx" ON "analysis"."analyses"("project_id", "created_at");

-- CreateIndex
CREATE INDEX "analyses_status_idx" ON "analysis"."analyses"("status");

-- CreateIndex
CREATE UNIQUE INDEX "analyses_request_key_key" ON "analysis"."analyses"("request_key");

-- CreateIndex
CREATE INDEX "findings_analysis_id_path_line_idx" ON "analysis"."findings"("analysis_id", "path", "line");

-- CreateIndex
CREATE INDEX "findings_analysis_id_severity_idx" ON "analysis"."findings"("analysis_id", "severity");

-- CreateIndex
CREATE UNIQUE INDEX "findings_analysis_id_fingerprint_key" ON "analysis"."findings"("analysis_id", "fingerprint");

-- AddForeignKey
ALTER TABLE "analysis"."analysis_files" ADD CONSTRAINT "analysis_files_analysis_id_fkey" FOREIGN KEY ("analysis_id") REFERENCES "analysis"."analyses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "analysis"."findings" ADD CONSTRAINT "findings_analysis_id_fkey" FOREIGN KEY ("analysis_id") REFERENCES "analysis"."analyses"("id") ON DELETE CASCADE ON UPDATE CASCADE;
