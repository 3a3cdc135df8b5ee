import 'reflect-metadata';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import type { PluginDefinition } from '../core/plugins/define-plugin.ts';
import type { EventBus } from '../core/pubsub.ts';
import { IngestRunResolver } from './core/ingest-run.resolver.ts';
import { IngestChangeResolver } from './core/ingest-change.resolver.ts';
import { PluginInfoResolver } from './core/plugin-info.resolver.ts';
import { DateTimeScalar } from './scalars.ts';
import { authChecker } from './auth-checker.ts';
import { entityQueries, entityType, installEntityResolvers } from './read/graphql-types.ts';
import { registerReadModel } from './read/executor.ts';
import { ApiKeyResolver } from './core/api-key.resolver.ts';
import { AuditEventResolver } from './core/audit-event.resolver.ts';

/** The host's own resolvers, part of every schema: runs, invalid records, plugins and jobs. */
export const coreResolvers = [IngestRunResolver, IngestChangeResolver, PluginInfoResolver, ApiKeyResolver, AuditEventResolver] as const;

/**
 * Builds one GraphQL schema from the host's resolvers and the given plugins' resolvers. Each plugin's part
 * builds on its own too (pass only that plugin), which is what a federation subgraph will serve.
 */
export async function buildTesseraSchema(plugins: readonly PluginDefinition[], bus: EventBus): Promise<GraphQLSchema> {
  const entities = plugins.flatMap((plugin) => plugin.graphql?.entities ?? []);
  const entityResolvers = entities.map(entityQueries).filter((resolver) => resolver !== undefined);
  const resolvers = [
    ...coreResolvers,
    ...entityResolvers,
    ...plugins.flatMap((plugin) => plugin.graphql?.resolvers ?? []),
  ] as unknown as NonEmptyArray<Function>;
  const orphanedTypes = [...entities.map(entityType), ...plugins.flatMap((plugin) => plugin.graphql?.orphanedTypes ?? [])] as Function[];
  const schema = await buildSchema({
    resolvers,
    orphanedTypes,
    pubSub: bus.pubSub,
    authChecker,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: false,
    emitSchemaFile: false,
  });
  installEntityResolvers(schema, entities);
  const rootFields = new Map(
    entities.flatMap((entity) => Object.entries(entity.declaration.queries ?? {}).map(([name, query]) => [name, { entity, query }] as const)),
  );
  registerReadModel(schema, { rootFields, entities });
  return schema;
}
