import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar, JSONScalar } from '../scalars.ts';
import { connectionType } from '../pagination.ts';

export enum IngestRunStatus {
  queued = 'queued',
  running = 'running',
  completed = 'completed',
  completed_with_errors = 'completed_with_errors',
  failed = 'failed',
  skipped = 'skipped',
  dead_lettered = 'dead_lettered',
}
registerEnumType(IngestRunStatus, {
  name: 'IngestRunStatus',
  description:
    'queued: waiting for a worker, or for its next attempt (nextAttemptAt); skipped: nothing changed upstream; completed_with_errors: some ' +
    'records were invalid and kept with their reasons; dead_lettered: failed on its last attempt (kept for inspection, not retried).',
});

@ObjectType({ description: 'One execution of an ingestion job.' })
export class IngestRun {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Job name, `<plugin>:<job>`.' })
  job!: string;

  @Field(() => String)
  plugin!: string;

  @Field(() => IngestRunStatus)
  status!: IngestRunStatus;

  @Field(() => String, { description: 'What started the run: cli, start, api or schedule.' })
  trigger!: string;

  @Field(() => String, { nullable: true, description: 'Upstream version the run loaded (e.g. the manifest version).' })
  sourceVersion!: string | null;

  @Field(() => Int, { description: 'Source records handled so far.' })
  processed!: number;

  @Field(() => Int, { nullable: true, description: 'Source records expected, when known.' })
  total!: number | null;

  @Field(() => Float, { nullable: true, description: 'processed / total × 100, when the total is known.' })
  percent(): number | null {
    if (this.total === null || this.total === 0) return null;
    return Math.min(100, Math.round((this.processed / this.total) * 1000) / 10);
  }

  @Field(() => Int)
  inserted!: number;

  @Field(() => Int)
  updated!: number;

  @Field(() => Int)
  unchanged!: number;

  @Field(() => Int, { description: 'Records that failed validation; listed in invalidRecords.' })
  invalid!: number;

  @Field(() => JSONScalar, { description: 'Counts per entity: { [entity]: { processed, inserted, updated, unchanged, invalid } }.' })
  stats!: unknown;

  @Field(() => String, { nullable: true, description: 'Latest progress message.' })
  message!: string | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => String, { nullable: true })
  errorCode!: string | null;

  @Field(() => DateTimeScalar, { description: 'When the current (or last) attempt started; when it was queued, until it starts.' })
  startedAt!: Date | string;

  @Field(() => Int, { description: 'The attempt running (or last run): 1 for the first; a retry runs the same run again.' })
  attempt!: number;

  @Field(() => Int, { description: 'Attempts allowed; after the last failed one the run is dead_lettered.' })
  maxAttempts!: number;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the next attempt starts, while a failed attempt waits to be retried.' })
  nextAttemptAt!: Date | string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  finishedAt!: Date | string | null;

  @Field(() => Int, { nullable: true })
  durationMs!: number | null;

  @Field(() => String, { nullable: true, description: 'The process running it (host:pid).' })
  worker!: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the worker last said it was alive.' })
  heartbeatAt!: Date | string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  cancelRequestedAt!: Date | string | null;

  @Field(() => Float, { nullable: true, description: 'Source records handled per second so far.' })
  rowsPerSecond(): number | null {
    const elapsedMs = this.durationMs ?? Date.now() - new Date(this.startedAt).getTime();
    if (elapsedMs <= 0) return null;
    return Math.round((this.processed / elapsedMs) * 1000 * 10) / 10;
  }

  @Field(() => Int, { nullable: true, description: 'Seconds left at the current rate, while running with a known total.' })
  etaSeconds(): number | null {
    const rate = this.rowsPerSecond();
    if (this.status !== IngestRunStatus.running || this.total === null || !rate) return null;
    return Math.max(0, Math.ceil((this.total - this.processed) / rate));
  }
}

@ObjectType({ description: 'A source record that failed validation, kept with its reason and a suggested fix.' })
export class InvalidRecord {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  runId!: string;

  @Field(() => String)
  job!: string;

  @Field(() => String, { description: 'Kind of record, e.g. DestinyVendorDefinition.' })
  entity!: string;

  @Field(() => String, { description: 'The record key upstream (e.g. its hash).' })
  recordKey!: string;

  @Field(() => String, { nullable: true })
  lang!: string | null;

  @Field(() => String, { nullable: true, description: 'The offending field, as a path.' })
  field!: string | null;

  @Field(() => String)
  reason!: string;

  @Field(() => String)
  suggestion!: string;

  @Field(() => JSONScalar, { description: 'The record as received.' })
  payload!: unknown;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

@ObjectType()
export class IngestRunConnection extends connectionType('IngestRun', IngestRun) {}

@ObjectType()
export class InvalidRecordConnection extends connectionType('InvalidRecord', InvalidRecord) {}
