-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "versioning";

-- CreateTable
CREATE TABLE "versioning"."experiments" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "project_id" UUID,
    "created_by" TEXT NOT NULL,
    "latest_version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "experiments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "versioning"."versions" (
    "experiment_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "config" JSONB NOT NULL,
    "config_hash" TEXT NOT NULL,
    "parent_version" INTEGER,
    "message" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "versions_pkey" PRIMARY KEY ("experiment_id","version")
);

-- CreateTable
CREATE TABLE "versioning"."labels" (
    "experiment_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "revision" INTEGER NOT NULL,
    "event_id" UUID NOT NULL,
    "updated_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "labels_pkey" PRIMARY KEY ("experiment_id","name")
);

-- CreateTable
CREATE TABLE "versioning"."label_events" (
    "id" UUID NOT NULL,
    "experiment_id" UUID NOT NULL,
    "label" TEXT NOT NULL,
    "revision" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "previous_version" INTEGER,
    "prior_event_id" UUID,
    "moved_by" TEXT NOT NULL,
    "moved_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "label_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "experiments_project_id_idx" ON "versioning"."experiments"("project_id");

-- CreateIndex
CREATE INDEX "experiments_created_by_idx" ON "versioning"."experiments"("created_by");

-- CreateIndex
CREATE UNIQUE INDEX "label_events_experiment_id_label_revision_key" ON "versioning"."label_events"("experiment_id", "label", "revision");

-- AddForeignKey
ALTER TABLE "versioning"."versions" ADD CONSTRAINT "versions_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "versioning"."experiments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "versioning"."labels" ADD CONSTRAINT "labels_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "versioning"."experiments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "versioning"."label_events" ADD CONSTRAINT "label_events_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "versioning"."experiments"("id") ON DELETE CASCADE ON UPDATE CASCADE;
