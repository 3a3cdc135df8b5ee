import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { JSONScalar } from '../scalars.ts';
import { BadUserInputError } from '../../core/errors.ts';
import type { RequestContext } from '../../core/request-context.ts';
import { ConnectionArgs, bigIntKey, paginate, type Connection } from '../pagination.ts';
import { ingestRunUpdatedTopic, type IngestRunEvent } from '../../core/jobs/run-events.ts';
import { coreState } from './core-state.ts';
import type { IngestRun as IngestRunRow } from '../../generated/prisma/client.ts';
import { IngestRun, IngestRunConnection, IngestRunStatus, InvalidRecord, InvalidRecordConnection } from './ingest-run.type.ts';

@Resolver(() => IngestRun)
export class IngestRunResolver {
  @Authorized('analyst')
  @Query(() => IngestRun, { nullable: true, description: 'A run by id.' })
  ingestRun(@Arg('id', () => ID) id: string, @Ctx() context: RequestContext): Promise<IngestRunRow | null> {
    return coreState(context).db.prisma.ingestRun.findUnique({ where: { id } });
  }

  @Authorized('analyst')
  @Query(() => IngestRunConnection, { description: 'Runs, newest first.' })
  ingestRuns(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('job', () => String, { nullable: true }) job: string | null,
    @Arg('status', () => IngestRunStatus, { nullable: true }) status: IngestRunStatus | null,
    @Ctx() context: RequestContext,
  ): Promise<Connection<IngestRunRow>> {
    const { prisma } = coreState(context).db;
    const where = { ...(job ? { job } : {}), ...(status ? { status } : {}) };
    return paginate<IngestRunRow, string>(page, {
      fetch: ({ take, backward, cursor }) =>
        prisma.ingestRun.findMany({
          where,
          orderBy: [{ startedAt: backward ? 'asc' : 'desc' }, { id: backward ? 'asc' : 'desc' }],
          take,
          ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
        }),
      keyOf: (run) => run.id,
      count: () => prisma.ingestRun.count({ where }),
    });
  }

  @Authorized('analyst')
  @Query(() => InvalidRecordConnection, { description: 'Invalid records kept by a run (or by every run of a job).' })
  invalidRecords(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('runId', () => ID, { nullable: true }) runId: string | null,
    @Arg('job', () => String, { nullable: true }) job: string | null,
    @Ctx() context: RequestContext,
  ): Promise<Connection<InvalidRecord>> {
    const { prisma } = coreState(context).db;
    const where = { ...(runId ? { runId } : {}), ...(job ? { job } : {}) };
    return paginate<InvalidRecord, string>(page, {
      fetch: async ({ take, backward, cursor }) => {
        const rows = await prisma.invalidRecord.findMany({
          where,
          orderBy: { id: backward ? 'desc' : 'asc' },
          take,
          ...(cursor ? { cursor: { id: bigIntKey(cursor) }, skip: 1 } : {}),
        });
        return rows.map((row) => ({ ...row, id: row.id.toString() }));
      },
      keyOf: (record) => record.id,
      count: () => prisma.invalidRecord.count({ where }),
    });
  }

  @Authorized('admin')
  @Mutation(() => IngestRun, {
    description:
      'Queues a run of a job (see `jobs`) with its options; returns it queued, or running when it started at once. Follow it with ingestRunUpdated.',
  })
  async startIngestRun(
    @Arg('job', () => String) job: string,
    @Arg('options', () => JSONScalar, { nullable: true, description: 'The job\'s options, e.g. { "batchSize": 200, "force": true }.' })
    options: unknown,
    @Ctx() context: RequestContext,
  ): Promise<IngestRunRow> {
    const { run, done } = await coreState(context).jobs.start(job, options ?? {}, 'api');
    done.catch((error: unknown) => context.logger.error({ err: error, runId: run.id }, 'run failed to finish'));
    return run;
  }

  @Authorized('admin')
  @Mutation(() => IngestRun, {
    description: 'Cancels a run: a queued one never runs, a running one stops in whichever instance runs it. It ends failed with CANCELLED.',
  })
  async cancelIngestRun(@Arg('id', () => ID) id: string, @Ctx() context: RequestContext): Promise<IngestRunRow> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new BadUserInputError(`Invalid run id ${JSON.stringify(id)}: use an id from ingestRuns.`);
    const run = await coreState(context).jobs.requestCancel(id);
    if (!run) throw new BadUserInputError(`No run has the id ${id}.`);
    return run;
  }

  @Authorized('analyst')
  @Subscription(() => IngestRun, {
    topics: ingestRunUpdatedTopic,
    filter: ({ payload, args }: { payload: IngestRunEvent; args: { job?: string | null } }) => !args.job || payload.job === args.job,
    description: 'Progress of ingestion runs, as they happen (optionally of one job).',
  })
  ingestRunUpdated(@Root() run: IngestRunEvent, @Arg('job', () => String, { nullable: true }) _job: string | null): IngestRunEvent {
    return run;
  }
}
