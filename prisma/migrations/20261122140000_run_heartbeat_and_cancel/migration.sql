-- AlterTable
ALTER TABLE "core"."ingest_run" ADD COLUMN     "cancel_requested_at" TIMESTAMPTZ(3),
ADD COLUMN     "heartbeat_at" TIMESTAMPTZ(3),
ADD COLUMN     "worker" TEXT;

-- CreateIndex
CREATE INDEX "ingest_run_status_idx" ON "core"."ingest_run"("status");

-- At most one running run per job, across every instance sharing the database (Prisma cannot declare partial
-- indexes; schema-to-schema diffs leave this one alone).
CREATE UNIQUE INDEX "ingest_run_one_running_per_job" ON "core"."ingest_run"("job") WHERE "status" = 'running';
