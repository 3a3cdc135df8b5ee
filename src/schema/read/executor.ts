import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import {
  GraphQLError,
  Kind,
  execute as executeGraphQL,
  getArgumentValues,
  getNamedType,
  getVariableValues,
  isNonNullType,
  locatedError,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';
import type pg from 'pg';
import { BadUserInputError } from '../../core/errors.ts';
import type { RequestContext } from '../../core/request-context.ts';
import { readPageArgs, type ConnectionArgs } from '../pagination.ts';
import { checkFieldRoles } from '../auth-checker.ts';
import {
  checkFilter,
  collectFields,
  compileBatch,
  compileList,
  compileLookup,
  listShape,
  shapeKey,
  type CompileScope,
  type CompiledStatement,
  type ComputedSite,
  type PlanInput,
} from './compile.ts';
import type { Entity, QueryDeclaration, TextLanguage } from '../../core/plugins/entity.ts';

/**
 * Runs operations: each root query field that an entity serves runs as one SQL statement (from a plan compiled
 * once per operation and request shape, then prepared), the others through graphql-js. Both transports and the
 * test host execute through here.
 */

export interface ReadDatabase {
  kind: 'embedded' | 'server';
  pool: pg.Pool;
}

interface RootField {
  entity: Entity;
  query: QueryDeclaration;
}

/** What the schema's entities serve, found again from the schema graphql-js hands to resolvers. */
export interface ReadModel {
  rootFields: ReadonlyMap<string, RootField>;
  entities: readonly Entity[];
  database?: ReadDatabase;
}

const readModels = new WeakMap<GraphQLSchema, ReadModel>();

export function registerReadModel(schema: GraphQLSchema, model: ReadModel): void {
  readModels.set(schema, model);
}

interface Plan extends CompiledStatement {
  /** Prepared statement name (server databases); the embedded one shares one session among connections. */
  name: string | undefined;
}

// Plans by the root field's node (Apollo and the graphql-ws transport reuse a document's AST per query text),
// then by shape.
const plans = new WeakMap<FieldNode, Map<string, Plan>>();
const directiveVariables = new WeakMap<FieldNode, readonly string[]>();
const fragmentMaps = new WeakMap<DocumentNode, Record<string, FragmentDefinitionNode>>();

function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  let fragments = fragmentMaps.get(document);
  if (!fragments) {
    fragments = {};
    for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    fragmentMaps.set(document, fragments);
  }
  return fragments;
}

/** Variables that @skip/@include read anywhere under a field: their values are part of its plan's shape. */
function variablesOfDirectives(node: FieldNode, fragments: Record<string, FragmentDefinitionNode>): readonly string[] {
  let names = directiveVariables.get(node);
  if (names) return names;
  const found = new Set<string>();
  const seen = new Set<string>();
  const visit = (selections: readonly SelectionNode[] | undefined) => {
    for (const selection of selections ?? []) {
      for (const directive of selection.directives ?? []) {
        for (const argument of directive.arguments ?? []) if (argument.value.kind === Kind.VARIABLE) found.add(argument.value.name.value);
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        if (seen.has(selection.name.value)) continue;
        seen.add(selection.name.value);
        visit(fragments[selection.name.value]?.selectionSet.selections);
      } else visit(selection.selectionSet?.selections);
    }
  };
  visit(node.selectionSet?.selections);
  names = [...found];
  directiveVariables.set(node, names);
  return names;
}

let plansCompiled = 0;

/** How many read plans this process has compiled (each once per operation and shape). */
export function readPlansCompiled(): number {
  return plansCompiled;
}

function planFor(node: FieldNode, shape: string, database: ReadDatabase, compile: () => CompiledStatement): Plan {
  let byShape = plans.get(node);
  if (!byShape) plans.set(node, (byShape = new Map()));
  let plan = byShape.get(shape);
  if (!plan) {
    const statement = compile();
    plansCompiled += 1;
    const name = database.kind === 'server' ? `t${createHash('sha1').update(statement.text).digest('hex').slice(0, 20)}` : undefined;
    plan = { ...statement, name };
    byShape.set(shape, plan);
  }
  return plan;
}

async function run(database: ReadDatabase, plan: Plan, input: PlanInput): Promise<pg.QueryResult> {
  const values = plan.params.map((getter) => getter(input));
  return database.pool.query(plan.name ? { name: plan.name, text: plan.text, values } : { text: plan.text, values });
}

/** Resolves computed fields over every parent of the statement's result at once. */
async function resolveComputed(value: unknown, sites: readonly ComputedSite[], context: RequestContext): Promise<void> {
  for (const site of sites) {
    const holders: Record<string, unknown>[] = [];
    const walk = (node: unknown, depth: number) => {
      if (node === null || node === undefined) return;
      if (depth === site.path.length) {
        holders.push(node as Record<string, unknown>);
        return;
      }
      const step = site.path[depth]!;
      if (step === '*') for (const item of node as unknown[]) walk(item, depth + 1);
      else walk((node as Record<string, unknown>)[step], depth + 1);
    };
    walk(value, 0);
    if (holders.length === 0) continue;
    const parents = holders.map((holder) => holder[site.key] as Record<string, unknown>);
    const results = await site.field.resolve(parents, context);
    holders.forEach((holder, index) => (holder[site.key] = results[index] ?? null));
  }
}

function sameLanguage(language: TextLanguage | undefined): boolean {
  return language === undefined || language.lang === language.fallback;
}

function scopeKey(node: FieldNode, scope: CompileScope): string {
  const names = variablesOfDirectives(node, scope.fragments as Record<string, FragmentDefinitionNode>);
  const directives = names.length ? JSON.stringify(names.map((name) => scope.variables[name] ?? null)) : '';
  return `${scope.sameLanguage ? 's' : 'm'}${directives}`;
}

function checkRoles(plan: Plan, context: RequestContext): void {
  for (const check of plan.roleChecks) checkFieldRoles(context, check.field, check.roles);
}

/** One root field through its compiled plan: the field's value, or a located error. */
async function readRootField(
  schema: GraphQLSchema,
  database: ReadDatabase,
  root: RootField,
  nodes: readonly FieldNode[],
  variables: Record<string, unknown>,
  fragments: Record<string, FragmentDefinitionNode>,
  context: RequestContext,
  raw: boolean,
): Promise<unknown> {
  const node = nodes[0]!;
  const fieldDefinition = schema.getQueryType()!.getFields()[node.name.value]!;
  const args = getArgumentValues(fieldDefinition, node, variables);
  const texts = root.entity.declaration.texts;
  const language = texts ? texts.language(args.lang as string | null | undefined, context) : undefined;
  const scope: CompileScope = { fragments, variables, sameLanguage: sameLanguage(language) };
  if (root.query.kind === 'byKey') {
    const query = root.query;
    const plan = planFor(node, `k${scopeKey(node, scope)}`, database, () => compileLookup(root.entity, query, nodes, scope));
    checkRoles(plan, context);
    const result = await run(database, plan, { args, language, cursor: undefined, size: 0 });
    return answer(result, plan, context, raw);
  }
  const query = root.query;
  const page = readPageArgs<unknown>(args as ConnectionArgs);
  const cursor = page.cursor === undefined ? undefined : checkCursor(page.cursor);
  const filterError = checkFilter(query.filter, args.filter as Record<string, unknown> | null | undefined);
  if (filterError) throw new BadUserInputError(filterError);
  const shape = listShape(query, args, { backward: page.backward, hasCursor: cursor !== undefined });
  const plan = planFor(node, `l${shapeKey(shape)}${scopeKey(node, scope)}`, database, () => compileList(root.entity, query, nodes, scope, shape));
  // A cursor of another list (or another sort of this one) holds other values.
  if (cursor && cursor.length !== plan.cursorLength) throw invalidCursor();
  checkRoles(plan, context);
  let result: pg.QueryResult;
  try {
    result = await run(database, plan, { args, language, cursor, size: page.size });
  } catch (error) {
    // A cursor from another list (or edited) whose values do not fit this list's columns.
    if (cursor && ['22P02', '22003', '22007', '22008'].includes((error as { code?: string }).code ?? '')) throw invalidCursor();
    throw error;
  }
  return answer(result, plan, context, raw);
}

/**
 * JSON text that goes into a response as it is: Postgres built it in the response's shape, so a transport that
 * writes JSON itself needs neither to parse it nor to serialize it again.
 */
export class RawJson {
  constructor(readonly text: string) {}

  /** Where a transport serializes with JSON.stringify, the value itself. */
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** The statement's JSON (text): as it is when the caller takes raw JSON and no field is computed in code, else parsed. */
async function answer(result: pg.QueryResult, plan: Plan, context: RequestContext, raw: boolean): Promise<unknown> {
  const text = (result.rows[0] as { j: string | null } | undefined)?.j ?? null;
  if (text === null) return null;
  if (raw && plan.computed.length === 0) return new RawJson(text);
  const value: unknown = JSON.parse(text);
  await resolveComputed(value, plan.computed, context);
  return value;
}

/** A result as JSON text, with the raw JSON of compiled fields written in place. */
export function stringifyResult(result: { errors?: readonly unknown[]; data?: Record<string, unknown> | null | undefined }): string {
  const parts: string[] = [];
  if (result.errors) parts.push(`"errors":${JSON.stringify(result.errors)}`);
  if (result.data === null) parts.push('"data":null');
  else if (result.data !== undefined) {
    const fields = Object.entries(result.data).map(
      ([key, value]) => `${JSON.stringify(key)}:${value instanceof RawJson ? value.text : JSON.stringify(value === undefined ? null : value)}`,
    );
    parts.push(`"data":{${fields.join(',')}}`);
  }
  return `{${parts.join(',')}}`;
}

const invalidCursor = () => new BadUserInputError('Invalid cursor: use a cursor returned by this list (edges.cursor or pageInfo.endCursor).');

function checkCursor(cursor: unknown): readonly unknown[] {
  const valid =
    Array.isArray(cursor) &&
    cursor.length >= 1 &&
    cursor.length <= 16 &&
    cursor.every((part) => (typeof part === 'string' && part.length <= 1_000) || (typeof part === 'number' && Number.isFinite(part)));
  if (!valid) throw invalidCursor();
  return (cursor as unknown[]).map(String);
}

/** Whether an operation has a root field an entity serves (in fragments too): then the read executor answers it. */
export function servesOperation(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): boolean {
  if (operation.operation !== 'query') return false;
  const model = readModels.get(schema);
  if (!model?.database) return false;
  const fragments = fragmentsOf(document);
  const seen = new Set<string>();
  const visit = (selections: readonly SelectionNode[]): boolean =>
    selections.some((selection) => {
      if (selection.kind === Kind.FIELD) return model.rootFields.has(selection.name.value);
      if (selection.kind === Kind.INLINE_FRAGMENT) return visit(selection.selectionSet.selections);
      if (seen.has(selection.name.value)) return false;
      seen.add(selection.name.value);
      const fragment = fragments[selection.name.value];
      return fragment !== undefined && visit(fragment.selectionSet.selections);
    });
  return visit(operation.selectionSet.selections);
}

export interface ExecuteOptions {
  /** Compiled fields may be RawJson (write the result with `stringifyResult`). */
  rawJson?: boolean;
}

export async function executeOperation(args: ExecutionArgs, options: ExecuteOptions = {}): Promise<ExecutionResult> {
  const { schema, document } = args;
  const model = readModels.get(schema);
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION && (args.operationName == null || definition.name?.value === args.operationName),
  );
  if (!model?.database || !operation || !servesOperation(schema, document, operation)) return executeGraphQL(args);
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], (args.variableValues ?? {}) as Record<string, unknown>);
  // graphql-js reports bad variables exactly as it always has.
  if (coerced.errors) return executeGraphQL(args);
  const variables = coerced.coerced;
  const fragments = fragmentsOf(document);
  const context = args.contextValue as RequestContext;
  const fields = collectFields([operation.selectionSet], schema.getQueryType()!.name, { fragments, variables });

  const values = new Map<string, Promise<unknown>>();
  const errors: GraphQLError[] = [];
  const rest: FieldNode[] = [];
  let nullData = false;
  for (const [key, nodes] of fields) {
    const name = nodes[0]!.name.value;
    const root = model.rootFields.get(name);
    if (name === '__typename') values.set(key, Promise.resolve(schema.getQueryType()!.name));
    else if (!root) rest.push(...nodes);
    else {
      const nonNull = isNonNullType(schema.getQueryType()!.getFields()[name]!.type);
      values.set(
        key,
        readRootField(schema, model.database, root, nodes, variables, fragments, context, options.rawJson === true).catch((error: unknown) => {
          errors.push(locatedError(error, nodes, [key]));
          if (nonNull) nullData = true;
          return null;
        }),
      );
    }
  }
  let restResult: ExecutionResult | undefined;
  if (rest.length > 0) {
    const partial: OperationDefinitionNode = { ...operation, selectionSet: { kind: Kind.SELECTION_SET, selections: rest } };
    const partialDocument: DocumentNode = {
      ...document,
      definitions: document.definitions.map((definition) => (definition === operation ? partial : definition)),
    };
    restResult = await executeGraphQL({ ...args, document: partialDocument });
  }
  const data: Record<string, unknown> = {};
  for (const [key] of fields) {
    if (values.has(key)) data[key] = await values.get(key);
    else data[key] = restResult?.data ? (restResult.data as Record<string, unknown>)[key] : null;
  }
  if (restResult?.errors) errors.push(...restResult.errors);
  if (restResult && !restResult.data) nullData = true;
  const result: ExecutionResult = { data: nullData ? null : data };
  if (errors.length > 0) result.errors = errors;
  return result;
}

/** Opens the read path on a database; until then operations run through graphql-js alone. */
export function attachReadDatabase(schema: GraphQLSchema, database: ReadDatabase): void {
  const model = readModels.get(schema);
  if (model) model.database = database;
}

type Loader = DataLoader<string, unknown>;
const referenceLoaders = new WeakMap<RequestContext, Map<FieldNode, Map<string, Loader>>>();

/**
 * An entity by key, for a hand-written resolver (an analytics row's item, a subscription's payload): the rows
 * every such field of the request asks for are read in one statement, with the selection compiled like a root
 * field's. Returns null when the entity has no such row.
 *
 * @example
 * @FieldResolver(() => entityType(Item))
 * item(@Root() row: Stat, @Ctx() context: RequestContext, @Info() info: GraphQLResolveInfo) {
 *   return loadEntity(context, info, Item, row.hash, { lang: row.lang, fallback: 'en' });
 * }
 */
export function loadEntity(
  context: RequestContext,
  info: GraphQLResolveInfo,
  entity: Entity,
  key: string | number | bigint,
  language?: TextLanguage,
): Promise<Record<string, unknown> | null> {
  const model = readModels.get(info.schema);
  if (!model?.database) throw new Error('loadEntity: the schema has no read database (is the host started?)');
  const database = model.database;
  const lang = language ?? entity.declaration.texts?.language(undefined, context);
  const node = info.fieldNodes[0]!;
  let byNode = referenceLoaders.get(context);
  if (!byNode) referenceLoaders.set(context, (byNode = new Map()));
  let byLanguage = byNode.get(node);
  if (!byLanguage) byNode.set(node, (byLanguage = new Map()));
  const languageKey = lang ? `${lang.lang}|${lang.fallback}` : '';
  let loader = byLanguage.get(languageKey);
  if (!loader) {
    const scope: CompileScope = { fragments: info.fragments, variables: info.variableValues, sameLanguage: sameLanguage(lang) };
    loader = new DataLoader<string, unknown>(async (keys) => {
      const plan = planFor(node, `b${getNamedType(info.returnType).name}${scopeKey(node, scope)}`, database, () =>
        compileBatch(entity, info.fieldNodes, scope),
      );
      checkRoles(plan, context);
      const result = await run(database, plan, { args: {}, language: lang, cursor: undefined, size: 0, keys });
      const rows = new Map((result.rows as { k: string; j: Record<string, unknown> }[]).map((row) => [row.k, row.j]));
      const values = keys.map((wanted) => rows.get(wanted) ?? null);
      await resolveComputed(
        values,
        plan.computed.map((site) => ({ ...site, path: ['*', ...site.path] })),
        context,
      );
      return values;
    });
    byLanguage.set(languageKey, loader);
  }
  return loader.load(String(key)) as Promise<Record<string, unknown> | null>;
}
