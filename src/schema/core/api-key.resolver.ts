import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../core/request-context.ts';
import { DateTimeScalar } from '../scalars.ts';
import { BadUserInputError } from '../../core/errors.ts';
import { actorOf } from '../../core/auth/identity.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../../core/auth/api-keys.ts';
import { coreState } from './core-state.ts';

@ObjectType({ description: 'An API key, without its secret.' })
export class ApiKey {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [String])
  roles!: string[];

  @Field(() => String, { nullable: true, description: 'Who created it (an actor such as key:<id> or user:<sub>).' })
  createdBy!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Last use, to the minute.' })
  lastUsedAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType({ description: 'A new key: `key` is shown this once and never stored.' })
export class CreatedApiKey {
  @Field(() => String, { description: 'Send it as Authorization: Bearer <key> or X-API-Key: <key>.' })
  key!: string;

  @Field(() => ApiKey)
  apiKey!: ApiKey;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => String)
  name!: string;

  @Field(() => [String], { description: 'viewer, analyst, operator, admin, or a plugin role.' })
  roles!: string[];

  @Field(() => DateTimeScalar, { nullable: true })
  expiresAt?: Date | null;
}

@ObjectType({ description: 'The identity of the request.' })
export class Viewer {
  @Field(() => String, { description: 'anonymous, key or user.' })
  kind!: string;

  @Field(() => String)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [String])
  roles!: string[];

  @Field(() => DateTimeScalar, { nullable: true })
  expiresAt!: Date | null;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Resolver()
export class ApiKeyResolver {
  @Query(() => Viewer, { description: 'Who you are, as the server sees it.' })
  me(@Ctx() context: RequestContext): Viewer {
    const { identity } = context;
    return { kind: identity.kind, id: identity.id, name: identity.name, roles: identity.roles, expiresAt: identity.expiresAt ?? null };
  }

  @Authorized('admin')
  @Query(() => [ApiKey], { description: 'API keys, newest first.' })
  apiKeys(@Arg('includeRevoked', () => Boolean, { defaultValue: false }) includeRevoked: boolean, @Ctx() context: RequestContext): Promise<ApiKey[]> {
    return listApiKeys(coreState(context).db.prisma, { includeRevoked });
  }

  @Authorized('admin')
  @Mutation(() => CreatedApiKey, { description: 'Creates an API key; its secret is in the answer and nowhere else.' })
  async createApiKey(@Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() context: RequestContext): Promise<CreatedApiKey> {
    const { key, record } = await createApiKey(coreState(context).db.prisma, {
      name: input.name,
      roles: input.roles,
      expiresAt: input.expiresAt ?? null,
      createdBy: actorOf(context.identity),
    });
    return { key, apiKey: record };
  }

  @Authorized('admin')
  @Mutation(() => ApiKey, { description: 'Revokes an API key at once; requests with it are refused from now on.' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() context: RequestContext): Promise<ApiKey> {
    if (!uuidPattern.test(id)) throw new BadUserInputError(`Invalid key id ${JSON.stringify(id)}: use the id from apiKeys.`);
    const record = await revokeApiKey(coreState(context).db.prisma, id);
    if (!record) throw new BadUserInputError(`No API key has the id ${id}.`);
    return record;
  }
}
