import { Ctx, Field, ObjectType, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../core/request-context.ts';
import { coreState } from './core-state.ts';

@ObjectType({ description: 'An enabled plugin.' })
export class PluginInfo {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  version!: string;

  @Field(() => String, { nullable: true })
  description!: string | undefined;

  @Field(() => String, { description: 'ready, or failed with the reason.' })
  status!: string;

  @Field(() => [String])
  dependsOn!: readonly string[];
}

@ObjectType({ description: 'A job an enabled plugin offers.' })
export class JobInfo {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  plugin!: string;

  @Field(() => String)
  description!: string;
}

@Resolver()
export class PluginInfoResolver {
  @Query(() => [PluginInfo], { description: 'Enabled plugins, in start order.' })
  plugins(@Ctx() context: RequestContext): PluginInfo[] {
    return [...coreState(context).plugins()];
  }

  @Query(() => [JobInfo], { description: 'Jobs offered by the enabled plugins.' })
  jobs(@Ctx() context: RequestContext): JobInfo[] {
    return coreState(context)
      .jobs.list()
      .map((job) => ({ name: job.definition.name, plugin: job.plugin, description: job.definition.description }));
  }
}
