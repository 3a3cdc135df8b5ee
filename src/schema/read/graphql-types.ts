import { Arg, Args, Field, InputType, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';

type ReturnTypeFunc = Parameters<typeof Field>[0] & ((returns?: void) => unknown);
import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import { ConnectionArgs, connectionType } from '../pagination.ts';
import type { ClassType } from '../../core/plugins/define-plugin.ts';
import type { Entity, EntityField, FilterDeclaration, GraphQLTypeFn, QueryDeclaration, SortDeclaration } from '../../core/plugins/entity.ts';

/**
 * The GraphQL side of entities: type-graphql classes made from the declarations (so that hand-written resolvers
 * can name them), and the root query fields. Those fields are answered by the read executor, never by
 * graphql-js: their resolvers only say so if something calls them another way.
 */

/** Sort direction of every compiled list. */
export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, { name: 'SortDirection' });

const entityClasses = new WeakMap<Entity, ClassType>();
const connectionClasses = new WeakMap<Entity, ClassType>();
const inputClasses = new Map<string, { cls: ClassType; fields: string }>();
const sortEnums = new Map<string, Record<string, string>>();

function namedClass(name: string): ClassType {
  // A class named like the type, for type-graphql's metadata and readable stack traces.
  return { [name]: class {} }[name] as ClassType;
}

/**
 * The type-graphql class of an entity's object type, for hand-written resolvers.
 * @example @FieldResolver(() => entityType(Item)) item(@Root() row: Stat, @Ctx() context, @Info() info) { … }
 */
export function entityType(entity: Entity): ClassType {
  let cls = entityClasses.get(entity);
  if (cls) return cls;
  cls = namedClass(entity.name);
  entityClasses.set(entity, cls);
  const { declaration } = entity;
  ObjectType(entity.name, declaration.description ? { description: declaration.description } : {})(cls);
  for (const [name, field] of Object.entries(declaration.fields)) {
    const options = { nullable: field.nullable ?? false, ...(field.description ? { description: field.description } : {}) };
    Field(fieldType(field), options)(cls.prototype, name);
  }
  return cls;
}

/** Declarations name types the way type-graphql does; core does not depend on type-graphql's types. */
const typeFn = (fn: GraphQLTypeFn) => fn as ReturnTypeFunc;

function fieldType(field: EntityField): ReturnTypeFunc {
  switch (field.kind) {
    case 'column':
    case 'text':
    case 'computed':
      return typeFn(field.type);
    case 'language':
      return () => String;
    case 'relation':
      return field.many ? () => [entityType(field.target())] : () => entityType(field.target());
  }
}

/** `<Entity>Connection` with its edges, nodes, pageInfo and totalCount. */
export function entityConnectionType(entity: Entity): ClassType {
  let cls = connectionClasses.get(entity);
  if (cls) return cls;
  const base = connectionType(entity.name, entityType(entity) as ClassType & (new () => unknown));
  cls = { [`${entity.name}Connection`]: class extends base {} }[`${entity.name}Connection`] as ClassType;
  ObjectType(`${entity.name}Connection`)(cls);
  connectionClasses.set(entity, cls);
  return cls;
}

function filterType(filter: FilterDeclaration): ClassType {
  const fields = Object.keys(filter.fields).join(',');
  const known = inputClasses.get(filter.name);
  if (known) {
    if (known.fields !== fields) throw new Error(`Two filters are named ${filter.name} with different fields (${known.fields} and ${fields}).`);
    return known.cls;
  }
  const cls = namedClass(filter.name);
  InputType(filter.name, filter.description ? { description: filter.description } : {})(cls);
  for (const [name, field] of Object.entries(filter.fields)) {
    Field(typeFn(field.type), { nullable: true, ...(field.description ? { description: field.description } : {}) })(cls.prototype, name);
  }
  inputClasses.set(filter.name, { cls, fields });
  return cls;
}

function sortType(sort: SortDeclaration): ClassType {
  const fields = Object.keys(sort.fieldEnum.values).join(',');
  const known = inputClasses.get(sort.name);
  if (known) {
    if (known.fields !== fields) throw new Error(`Two sorts are named ${sort.name} with different fields.`);
    return known.cls;
  }
  let values = sortEnums.get(sort.fieldEnum.name);
  if (!values) {
    values = Object.fromEntries(Object.keys(sort.fieldEnum.values).map((key) => [key, key]));
    registerEnumType(values, { name: sort.fieldEnum.name, ...(sort.fieldEnum.description ? { description: sort.fieldEnum.description } : {}) });
    sortEnums.set(sort.fieldEnum.name, values);
  }
  const fieldEnum = values;
  const cls = namedClass(sort.name);
  InputType(sort.name)(cls);
  Field(() => fieldEnum, { defaultValue: sort.default })(cls.prototype, 'field');
  Field(() => SortDirection, { defaultValue: SortDirection.ASC })(cls.prototype, 'direction');
  inputClasses.set(sort.name, { cls, fields });
  return cls;
}

const langDescription = 'Language of texts (default: Accept-Language, then the default language).';

/** A resolver class with the entity's root query fields. */
export function entityQueries(entity: Entity): ClassType | undefined {
  const queries = entity.declaration.queries;
  if (!queries || Object.keys(queries).length === 0) return undefined;
  const cls = namedClass(`${entity.name}Queries`);
  for (const [name, query] of Object.entries(queries)) addQuery(cls, entity, name, query);
  Resolver()(cls);
  return cls;
}

function addQuery(cls: ClassType, entity: Entity, name: string, query: QueryDeclaration): void {
  const prototype = cls.prototype as Record<string, unknown>;
  prototype[name] = () => {
    throw new Error(`${name} is served by the compiled read path: execute operations through the host's executor.`);
  };
  const descriptor = Object.getOwnPropertyDescriptor(prototype, name)!;
  let index = 0;
  const texts = entity.declaration.texts !== undefined;
  if (query.kind === 'byKey') {
    const type = entityType(entity);
    Query(() => type, { nullable: true, ...(query.description ? { description: query.description } : {}) })(prototype, name, descriptor);
    Arg(query.arg, typeFn(query.argType))(prototype, name, index++);
  } else {
    const connection = entityConnectionType(entity);
    Query(() => connection, query.description ? { description: query.description } : {})(prototype, name, descriptor);
    Args(() => ConnectionArgs)(prototype, name, index++);
    if (query.filter) {
      const filter = filterType(query.filter);
      Arg('filter', () => filter, { nullable: true })(prototype, name, index++);
    }
    if (query.sort) {
      const sort = sortType(query.sort);
      Arg('sort', () => sort, { nullable: true })(prototype, name, index++);
    }
  }
  if (texts) Arg('lang', () => String, { nullable: true, description: langDescription })(prototype, name, index++);
}

/**
 * Fields of entity types read their value by response key: the compiled JSON is keyed by alias. Only the read
 * path produces values of entity types, so this holds for every object graphql-js meets there (e.g. an entity
 * returned by a hand-written resolver through `loadEntity`).
 */
export function installEntityResolvers(schema: GraphQLSchema, entities: readonly Entity[]): void {
  const byResponseKey: GraphQLFieldResolver<Record<string, unknown>, unknown> = (source, _args, _context, info) => source[info.path.key as string];
  for (const entity of entities) {
    const type = schema.getType(entity.name);
    if (!type || !('getFields' in type) || typeof type.getFields !== 'function') continue;
    for (const field of Object.values(type.getFields() as Record<string, { resolve?: unknown }>)) field.resolve = byResponseKey;
  }
}
