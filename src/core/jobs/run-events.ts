import type { IngestRun } from '../../generated/prisma/client.ts';
import type { ShapeChange } from './job.ts';

/** Topic of run updates; the payload is an IngestRunEvent. */
export const ingestRunUpdatedTopic = 'ingestRunUpdated';

/** Topic of committed changes; the payload is an IngestChangeEvent. */
export const ingestChangeTopic = 'ingestChanged';

/** Keys a run added, changed or removed in one entity, published once the batch committed. */
export interface IngestChangeEvent {
  runId: string;
  job: string;
  entity: string;
  kind: 'added' | 'changed' | 'removed';
  count: number;
  /** At most the first 100 keys; query `ingestChanges` for all of them. */
  keys: string[];
  at: string;
}

/** A run record as it crosses pub/sub: JSON-safe (ISO dates). */
export interface IngestRunEvent {
  id: string;
  job: string;
  plugin: string;
  status: IngestRun['status'];
  trigger: string;
  sourceVersion: string | null;
  processed: number;
  total: number | null;
  inserted: number;
  updated: number;
  unchanged: number;
  invalid: number;
  stats: Record<string, EntityStats>;
  message: string | null;
  error: string | null;
  errorCode: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  worker: string | null;
  heartbeatAt: string | null;
  cancelRequestedAt: string | null;
  removed: number;
  attempt: number;
  maxAttempts: number;
  nextAttemptAt: string | null;
  schemaVersions: Record<string, number>;
  shapeChanges: ShapeChange[];
}

export interface EntityStats {
  processed: number;
  inserted: number;
  updated: number;
  unchanged: number;
  invalid: number;
  removed?: number;
}

export function toRunEvent(run: IngestRun): IngestRunEvent {
  return {
    id: run.id,
    job: run.job,
    plugin: run.plugin,
    status: run.status,
    trigger: run.trigger,
    sourceVersion: run.sourceVersion,
    processed: run.processed,
    total: run.total,
    inserted: run.inserted,
    updated: run.updated,
    unchanged: run.unchanged,
    invalid: run.invalid,
    stats: (run.stats ?? {}) as unknown as Record<string, EntityStats>,
    message: run.message,
    error: run.error,
    errorCode: run.errorCode,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    durationMs: run.durationMs,
    worker: run.worker,
    heartbeatAt: run.heartbeatAt?.toISOString() ?? null,
    cancelRequestedAt: run.cancelRequestedAt?.toISOString() ?? null,
    removed: run.removed,
    attempt: run.attempt,
    maxAttempts: run.maxAttempts,
    nextAttemptAt: run.nextAttemptAt?.toISOString() ?? null,
    schemaVersions: (run.schemaVersions ?? {}) as unknown as Record<string, number>,
    shapeChanges: (run.shapeChanges ?? []) as unknown as ShapeChange[],
  };
}
