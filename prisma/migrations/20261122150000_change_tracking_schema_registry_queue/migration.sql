-- CreateEnum
CREATE TYPE "core"."ChangeKind" AS ENUM ('added', 'changed', 'removed');

-- AlterEnum
ALTER TYPE "core"."IngestRunStatus" ADD VALUE 'dead_lettered';

-- AlterTable
ALTER TABLE "core"."ingest_run" ADD COLUMN     "attempt" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "max_attempts" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "next_attempt_at" TIMESTAMPTZ(3),
ADD COLUMN     "queue_job_id" TEXT,
ADD COLUMN     "removed" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "schema_versions" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "shape_changes" JSONB NOT NULL DEFAULT '[]';

-- CreateTable
CREATE TABLE "core"."record_schema" (
    "id" UUID NOT NULL,
    "job" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "json_schema" JSONB NOT NULL,
    "fields" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "record_schema_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "core"."ingest_change" (
    "id" BIGSERIAL NOT NULL,
    "run_id" UUID NOT NULL,
    "job" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "kind" "core"."ChangeKind" NOT NULL,
    "keys" TEXT[],
    "count" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ingest_change_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "core"."ingest_seen_key" (
    "run_id" UUID NOT NULL,
    "entity" TEXT NOT NULL,
    "key" TEXT NOT NULL,

    CONSTRAINT "ingest_seen_key_pkey" PRIMARY KEY ("run_id","entity","key")
);

-- CreateIndex
CREATE UNIQUE INDEX "record_schema_job_entity_version_key" ON "core"."record_schema"("job", "entity", "version");

-- CreateIndex
CREATE UNIQUE INDEX "record_schema_job_entity_fingerprint_key" ON "core"."record_schema"("job", "entity", "fingerprint");

-- CreateIndex
CREATE INDEX "ingest_change_job_at_idx" ON "core"."ingest_change"("job", "at");

-- CreateIndex
CREATE INDEX "ingest_change_run_id_idx" ON "core"."ingest_change"("run_id");

-- AddForeignKey
ALTER TABLE "core"."ingest_change" ADD CONSTRAINT "ingest_change_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "core"."ingest_run"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Seen keys only matter while their run is going; a crash abandons the run anyway, so they need no WAL.
ALTER TABLE "core"."ingest_seen_key" SET UNLOGGED;
