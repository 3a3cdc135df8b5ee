-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "core";

-- CreateEnum
CREATE TYPE "core"."IngestRunStatus" AS ENUM ('queued', 'running', 'completed', 'completed_with_errors', 'failed', 'skipped');

-- CreateTable
CREATE TABLE "core"."ingest_run" (
    "id" UUID NOT NULL,
    "job" TEXT NOT NULL,
    "plugin" TEXT NOT NULL,
    "status" "core"."IngestRunStatus" NOT NULL DEFAULT 'queued',
    "trigger" TEXT NOT NULL DEFAULT 'api',
    "options" JSONB NOT NULL DEFAULT '{}',
    "source_version" TEXT,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "total" INTEGER,
    "inserted" INTEGER NOT NULL DEFAULT 0,
    "updated" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "invalid" INTEGER NOT NULL DEFAULT 0,
    "stats" JSONB NOT NULL DEFAULT '{}',
    "message" TEXT,
    "error" TEXT,
    "error_code" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "duration_ms" INTEGER,

    CONSTRAINT "ingest_run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "core"."invalid_record" (
    "id" BIGSERIAL NOT NULL,
    "run_id" UUID NOT NULL,
    "job" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "record_key" TEXT NOT NULL,
    "lang" TEXT,
    "field" TEXT,
    "reason" TEXT NOT NULL,
    "suggestion" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "invalid_record_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "core"."job_cursor" (
    "job" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_cursor_pkey" PRIMARY KEY ("job","key")
);

-- CreateIndex
CREATE INDEX "ingest_run_job_started_at_idx" ON "core"."ingest_run"("job", "started_at" DESC);

-- CreateIndex
CREATE INDEX "ingest_run_started_at_idx" ON "core"."ingest_run"("started_at" DESC);

-- CreateIndex
CREATE INDEX "invalid_record_run_id_idx" ON "core"."invalid_record"("run_id");

-- CreateIndex
CREATE INDEX "invalid_record_job_entity_idx" ON "core"."invalid_record"("job", "entity");

-- AddForeignKey
ALTER TABLE "core"."invalid_record" ADD CONSTRAINT "invalid_record_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "core"."ingest_run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
