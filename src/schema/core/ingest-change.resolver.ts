import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Int,
  ObjectType,
  Query,
  Resolver,
  Root,
  Subscription,
  registerEnumType,
} from 'type-graphql';
import { DateTimeScalar, JSONScalar } from '../scalars.ts';
import { BadUserInputError } from '../../core/errors.ts';
import type { RequestContext } from '../../core/request-context.ts';
import { ConnectionArgs, connectionType, paginate, type Connection } from '../pagination.ts';
import { ingestChangeTopic, type IngestChangeEvent, type IngestRunEvent } from '../../core/jobs/run-events.ts';
import type { ShapeChange as ShapeChangeRecord } from '../../core/jobs/job.ts';
import type { IngestRun as IngestRunRow } from '../../generated/prisma/client.ts';
import { coreState } from './core-state.ts';
import { IngestRun } from './ingest-run.type.ts';

export enum ChangeKind {
  added = 'added',
  changed = 'changed',
  removed = 'removed',
}
registerEnumType(ChangeKind, {
  name: 'ChangeKind',
  description: 'changed: the stored row differed and was rewritten (an equal row is not a change).',
});

@ObjectType({ description: 'One key a run added, changed or removed.' })
export class IngestChange {
  @Field(() => ID, { description: 'The run that made the change.' })
  runId!: string;

  @Field(() => String)
  job!: string;

  @Field(() => String, { description: 'The kind of record (e.g. DestinyInventoryItemDefinition, bar).' })
  entity!: string;

  @Field(() => ChangeKind)
  kind!: ChangeKind;

  @Field(() => String, { description: 'The row key: the value of a one-column key, a JSON array of a composite one.' })
  key!: string;

  @Field(() => DateTimeScalar, { description: 'When the batch that made it committed.' })
  at!: Date;
}

@ObjectType()
export class IngestChangeConnection extends connectionType('IngestChange', IngestChange) {}

@ObjectType({ description: 'What one committed batch changed, as published to subscribers.' })
export class IngestChangeBatch {
  @Field(() => ID)
  runId!: string;

  @Field(() => String)
  job!: string;

  @Field(() => String)
  entity!: string;

  @Field(() => ChangeKind)
  kind!: ChangeKind;

  @Field(() => Int, { description: 'Keys in the batch.' })
  count!: number;

  @Field(() => [String], { description: 'The first keys (at most 100); ingestChanges lists all of them.' })
  keys!: string[];

  @Field(() => DateTimeScalar)
  at!: Date;
}

@ObjectType({ description: 'The record schema version a run read an entity with.' })
export class EntitySchemaVersion {
  @Field(() => String)
  entity!: string;

  @Field(() => Int)
  version!: number;
}

@ObjectType()
export class FieldCount {
  @Field(() => String, { description: 'A field path, e.g. displayProperties.name.' })
  field!: string;

  @Field(() => Int, { description: 'Records concerned.' })
  records!: number;
}

@ObjectType({ description: 'How upstream records differed from the registered record schema during a run.' })
export class ShapeChange {
  @Field(() => String)
  entity!: string;

  @Field(() => Int)
  schemaVersion!: number;

  @Field(() => Int, { description: 'Records compared.' })
  records!: number;

  @Field(() => [FieldCount], { description: 'Fields upstream sent that the schema does not declare.' })
  added!: FieldCount[];

  @Field(() => [FieldCount], {
    description: 'Fields upstream did not send: required ones missing from any record, or ones the previous run saw that no record has now.',
  })
  missing!: FieldCount[];
}

@ObjectType({ description: "A version of a job's record schema, registered when its declaration changed." })
export class RecordSchema {
  @Field(() => String)
  job!: string;

  @Field(() => String)
  entity!: string;

  @Field(() => Int)
  version!: number;

  @Field(() => String, { description: 'SHA-256 of the canonical JSON Schema.' })
  fingerprint!: string;

  @Field(() => [String], { description: 'Declared field paths.' })
  fields!: string[];

  @Field(() => JSONScalar, { description: 'The JSON Schema of the record as upstream sends it.' })
  jsonSchema!: unknown;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

type RunLike = IngestRunRow | IngestRunEvent;

/** Change tracking and the schema registry over GraphQL; the run fields they add. */
@Resolver(() => IngestRun)
export class IngestChangeResolver {
  @Authorized('analyst')
  @Query(() => IngestChangeConnection, {
    description: 'Keys a job added, changed or removed since a time, oldest first (optionally of one run, entity or kind).',
  })
  async ingestChanges(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('job', () => String) job: string,
    @Arg('since', () => DateTimeScalar, { nullable: true, description: 'Changes committed at or after this time; default: all.' }) since: Date | null,
    @Arg('runId', () => ID, { nullable: true }) runId: string | null,
    @Arg('entity', () => String, { nullable: true }) entity: string | null,
    @Arg('kind', () => ChangeKind, { nullable: true }) kind: ChangeKind | null,
    @Ctx() context: RequestContext,
  ): Promise<Connection<IngestChange>> {
    if (runId != null && !/^[0-9a-f-]{36}$/i.test(runId)) throw new BadUserInputError(`runId ${JSON.stringify(runId)} is not a run id (a UUID).`);
    const { pool } = coreState(context).db;
    const conditions = ['c.job = $1'];
    const values: unknown[] = [job];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      conditions.push(sql.replace('?', `$${values.length}`));
    };
    if (since) add('c.at >= ?', since);
    if (runId) add('c.run_id = ?::uuid', runId);
    if (entity) add('c.entity = ?', entity);
    if (kind) add('c.kind = ?::core."ChangeKind"', kind);
    const where = conditions.join(' AND ');
    // One row per batch holds its keys as an array: the list unnests them, ordered by (batch, position in it).
    return paginate<IngestChange & { position: [string, number] }, [string, number]>(page, {
      fetch: async ({ take, backward, cursor }) => {
        const params = [...values];
        let after = '';
        if (cursor) {
          params.push(String(cursor[0]), cursor[1]);
          after = ` AND (c.id, k.ord) ${backward ? '<' : '>'} ($${params.length - 1}::bigint, $${params.length}::bigint)`;
        }
        params.push(take);
        const order = backward ? 'DESC' : 'ASC';
        const { rows } = await pool.query<{
          id: string;
          ord: string;
          run_id: string;
          job: string;
          entity: string;
          kind: ChangeKind;
          key: string;
          at: Date;
        }>(
          `SELECT c.id::text AS id, k.ord::text AS ord, c.run_id::text AS run_id, c.job, c.entity, c.kind::text AS kind, k.key, c.at
             FROM core.ingest_change c CROSS JOIN LATERAL unnest(c.keys) WITH ORDINALITY AS k(key, ord)
            WHERE ${where}${after}
            ORDER BY c.id ${order}, k.ord ${order}
            LIMIT $${params.length}`,
          params,
        );
        return rows.map((row) => ({
          runId: row.run_id,
          job: row.job,
          entity: row.entity,
          kind: row.kind,
          key: row.key,
          at: row.at,
          position: [row.id, Number(row.ord)],
        }));
      },
      keyOf: (change) => change.position,
      count: async () => {
        const { rows } = await pool.query<{ count: string }>(
          `SELECT coalesce(sum(c.count), 0)::text AS count FROM core.ingest_change c WHERE ${where}`,
          values,
        );
        return Number(rows[0]?.count ?? 0);
      },
    });
  }

  @Authorized('analyst')
  @Query(() => [RecordSchema], { description: "Registered versions of a job's record schemas, newest first." })
  recordSchemas(
    @Arg('job', () => String) job: string,
    @Arg('entity', () => String, { nullable: true }) entity: string | null,
    @Ctx() context: RequestContext,
  ): Promise<RecordSchema[]> {
    return coreState(context).db.prisma.recordSchema.findMany({
      where: { job, ...(entity ? { entity } : {}) },
      orderBy: [{ entity: 'asc' }, { version: 'desc' }],
    });
  }

  @Authorized('analyst')
  @Subscription(() => IngestChangeBatch, {
    topics: ingestChangeTopic,
    filter: ({ payload, args }: { payload: IngestChangeEvent; args: { job?: string | null; entity?: string | null } }) =>
      (!args.job || payload.job === args.job) && (!args.entity || payload.entity === args.entity),
    description: 'Changes as their batches commit (optionally of one job or entity).',
  })
  ingestChanged(
    @Root() change: IngestChangeEvent,
    @Arg('job', () => String, { nullable: true }) _job: string | null,
    @Arg('entity', () => String, { nullable: true }) _entity: string | null,
  ): IngestChangeBatch {
    return { ...change, kind: change.kind as ChangeKind, at: new Date(change.at) };
  }

  @FieldResolver(() => Int, { description: 'Rows removed because upstream no longer has them (snapshot loads).' })
  removed(@Root() run: RunLike): number {
    return run.removed;
  }

  @FieldResolver(() => [EntitySchemaVersion], { description: 'The record schema version each entity was read with (see recordSchemas).' })
  schemaVersions(@Root() run: RunLike): EntitySchemaVersion[] {
    const versions = (run.schemaVersions ?? {}) as Record<string, number>;
    return Object.entries(versions).map(([entity, version]) => ({ entity, version }));
  }

  @FieldResolver(() => [ShapeChange], { description: 'Upstream fields that were new or missing compared with the record schema.' })
  shapeChanges(@Root() run: RunLike): ShapeChangeRecord[] {
    return (run.shapeChanges ?? []) as unknown as ShapeChangeRecord[];
  }
}
