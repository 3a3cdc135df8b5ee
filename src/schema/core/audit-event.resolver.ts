import { Arg, Args, Authorized, Ctx, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../core/request-context.ts';
import { DateTimeScalar, JSONScalar } from '../scalars.ts';
import { ConnectionArgs, bigIntKey, connectionType, paginate, type Connection } from '../pagination.ts';
import { coreState } from './core-state.ts';

@ObjectType({ description: 'Who did what, when, from where, and how it ended.' })
export class AuditEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTimeScalar)
  at!: Date;

  @Field(() => String, { description: 'anonymous, key:<id> or user:<subject>.' })
  actor!: string;

  @Field(() => String, { nullable: true })
  actorName!: string | null;

  @Field(() => String, { description: 'e.g. mutation createApiKey, denied Query.ingestRuns.' })
  action!: string;

  @Field(() => String, { description: 'allowed, denied or failed.' })
  outcome!: string;

  @Field(() => String, { nullable: true })
  ip!: string | null;

  @Field(() => String, { nullable: true })
  requestId!: string | null;

  @Field(() => JSONScalar)
  details!: unknown;
}

@ObjectType()
export class AuditEventConnection extends connectionType('AuditEvent', AuditEvent) {}

@Resolver()
export class AuditEventResolver {
  @Authorized('admin')
  @Query(() => AuditEventConnection, { description: 'The audit log, newest first.' })
  auditEvents(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('actor', () => String, { nullable: true }) actor: string | null,
    @Arg('outcome', () => String, { nullable: true }) outcome: string | null,
    @Ctx() context: RequestContext,
  ): Promise<Connection<AuditEvent>> {
    const { prisma } = coreState(context).db;
    const where = { ...(actor ? { actor } : {}), ...(outcome ? { outcome } : {}) };
    return paginate<AuditEvent, string>(page, {
      fetch: async ({ take, backward, cursor }) => {
        const rows = await prisma.auditEvent.findMany({
          where,
          orderBy: { id: backward ? 'asc' : 'desc' },
          take,
          ...(cursor ? { cursor: { id: bigIntKey(cursor) }, skip: 1 } : {}),
        });
        return rows.map((row) => ({ ...row, id: row.id.toString() }));
      },
      keyOf: (event) => event.id,
      count: () => prisma.auditEvent.count({ where }),
    });
  }
}
