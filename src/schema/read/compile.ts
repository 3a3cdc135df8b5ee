import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  getDirectiveValues,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type {
  ComputedField,
  Entity,
  EntityField,
  FilterDeclaration,
  QueryDeclaration,
  RelationField,
  SortDeclaration,
  TextLanguage,
} from '../../core/plugins/entity.ts';

/**
 * Compiles the selection of one root field into one SQL statement that returns the field's JSON, in the exact
 * shape of the response (response keys, aliases, fragments and @skip/@include applied). Values are parameters,
 * read from the request by the plan's getters; the text only depends on the request's shape (see `shapeOf`), so
 * it is compiled once per operation and shape and then executed as a prepared statement.
 */

/** What a statement's parameters are read from. */
export interface PlanInput {
  args: Record<string, unknown>;
  language: TextLanguage | undefined;
  /** Decoded cursor of a list: [sort value, key]. */
  cursor: readonly unknown[] | undefined;
  size: number;
  /** Keys of a batched lookup. */
  keys?: readonly string[];
}

export type ParamGetter = (input: PlanInput) => unknown;

/** A field the caller must hold a role to read; checked per request before the statement runs. */
export interface RoleCheck {
  field: string;
  roles: readonly string[];
}

/** A computed field: where its parents sit in the JSON ('*' steps into a list), and how to resolve it. */
export interface ComputedSite {
  path: readonly string[];
  key: string;
  field: ComputedField;
}

export interface CompiledStatement {
  text: string;
  /** For a list: how many values its cursors hold (the sort value, then each key column). */
  cursorLength?: number;
  params: readonly ParamGetter[];
  roleChecks: readonly RoleCheck[];
  computed: readonly ComputedSite[];
}

export interface CompileScope {
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  variables: Readonly<Record<string, unknown>>;
  /** Whether the request's language is the fallback language (one texts join instead of two). */
  sameLanguage: boolean;
}

/** What of a list request decides its SQL text: one plan per shape (values are parameters). */
export interface ListShape {
  backward: boolean;
  hasCursor: boolean;
  sortKey: string;
  descending: boolean;
  filters: readonly string[];
}

const maxJsonPairs = 50;
const nameContainsLimit = 200;

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** 'game.item' → "game"."item". */
export function quoteTable(qualified: string): string {
  return qualified.split('.').map(quoteIdent).join('.');
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const columnsOf = (value: string | readonly string[] | undefined, fallback: readonly string[]): readonly string[] =>
  value === undefined ? fallback : typeof value === 'string' ? [value] : value;

/** Whether @skip/@include keep a selection, given the variables. */
export function isIncluded(node: { directives?: readonly unknown[] | undefined }, variables: Readonly<Record<string, unknown>>): boolean {
  const selection = node as FieldNode;
  if (!selection.directives?.length) return true;
  if (getDirectiveValues(GraphQLSkipDirective, selection, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, selection, variables)?.if !== false;
}

/** The fields of one object type in a selection, by response key, merged as GraphQL merges them. */
export function collectFields(
  selectionSets: readonly (SelectionSetNode | undefined)[],
  typeName: string,
  scope: Pick<CompileScope, 'fragments' | 'variables'>,
  into: Map<string, FieldNode[]> = new Map(),
): Map<string, FieldNode[]> {
  for (const set of selectionSets) {
    if (!set) continue;
    for (const selection of set.selections) {
      if (!isIncluded(selection, scope.variables)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const nodes = into.get(key);
        if (nodes) nodes.push(selection);
        else into.set(key, [selection]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!selection.typeCondition || selection.typeCondition.name.value === typeName)
          collectFields([selection.selectionSet], typeName, scope, into);
      } else {
        const fragment = scope.fragments[selection.name.value];
        if (fragment && fragment.typeCondition.name.value === typeName) collectFields([fragment.selectionSet], typeName, scope, into);
      }
    }
  }
  return into;
}

const subSelections = (nodes: readonly FieldNode[]) => nodes.map((node) => node.selectionSet);

/** Builds one statement: parameters, row aliases, role checks and computed sites. */
class StatementBuilder {
  readonly params: ParamGetter[] = [];
  readonly roleChecks: RoleCheck[] = [];
  readonly computed: ComputedSite[] = [];
  private aliases = 0;
  private langParam: string | undefined;
  private fallbackParam: string | undefined;

  constructor(readonly scope: CompileScope) {}

  param(getter: ParamGetter): string {
    this.params.push(getter);
    return `$${this.params.length}`;
  }

  alias(): string {
    this.aliases += 1;
    return `r${this.aliases}`;
  }

  lang(): string {
    return (this.langParam ??= `${this.param((input) => input.language?.lang)}::text`);
  }

  fallbackLang(): string {
    return (this.fallbackParam ??= `${this.param((input) => input.language?.fallback)}::text`);
  }

  /** The joins that bring a row's texts: `<row>_t` in the request's language, `<row>_f` in the fallback one. */
  textJoins(
    entity: Entity,
    row: string,
    inner = false,
    key = `${row}.${quoteIdent(entity.declaration.texts?.localKey ?? entity.keyColumns[0]!)}`,
  ): string {
    const texts = entity.declaration.texts;
    if (!texts) return '';
    const lang = quoteIdent(texts.langColumn ?? 'lang');
    const join = (alias: string, param: string, kind: string) =>
      ` ${kind} JOIN ${quoteTable(texts.table)} ${alias} ON ${alias}.${quoteIdent(texts.foreignKey)} = ${key} AND ${alias}.${lang} = ${param}`;
    const own = join(`${row}_t`, this.lang(), inner ? '' : 'LEFT');
    return this.scope.sameLanguage ? own : own + join(`${row}_f`, this.fallbackLang(), 'LEFT');
  }

  /** A text column in the request's language, else (per row, not per column) in the fallback language. */
  textColumn(entity: Entity, row: string, column: string): string {
    const own = `${row}_t.${quoteIdent(column)}`;
    if (this.scope.sameLanguage) return own;
    const present = `${row}_t.${quoteIdent(entity.declaration.texts!.foreignKey)}`;
    return `CASE WHEN ${present} IS NULL THEN ${row}_f.${quoteIdent(column)} ELSE ${own} END`;
  }

  /** The JSON object of one row of `entity` for the fields selected by `nodes`, and whether it needs the texts joins. */
  object(entity: Entity, row: string, nodes: readonly FieldNode[], path: readonly string[]): { json: string; texts: boolean; rowColumns: boolean } {
    const fields = collectFields(subSelections(nodes), entity.name, this.scope);
    const pairs: [string, string][] = [];
    let texts = false;
    // Whether the JSON reads the row itself (not only its texts and constants).
    let rowColumns = false;
    for (const [key, fieldNodes] of fields) {
      const name = fieldNodes[0]!.name.value;
      if (name === '__typename') {
        pairs.push([key, quoteLiteral(entity.name)]);
        continue;
      }
      const field: EntityField | undefined = entity.declaration.fields[name];
      if (!field) throw new Error(`${entity.name}.${name} is not a declared field of the entity`);
      if (field.kind !== 'text' && field.kind !== 'language') rowColumns = true;
      if (field.roles?.length) this.roleChecks.push({ field: `${entity.name}.${name}`, roles: field.roles });
      switch (field.kind) {
        case 'column':
          pairs.push([key, columnValue(row, field)]);
          break;
        case 'text': {
          texts = true;
          const value = this.textColumn(entity, row, field.column);
          pairs.push([key, field.fallback === undefined ? value : `COALESCE(${value}, ${quoteLiteral(field.fallback)})`]);
          break;
        }
        case 'language':
          pairs.push([key, this.lang()]);
          break;
        case 'relation':
          pairs.push([key, this.relation(entity, row, field, fieldNodes, [...path, key])]);
          break;
        case 'computed':
          this.computed.push({ path, key, field });
          pairs.push([key, jsonObject(field.requires.map((column) => [column, `${row}.${quoteIdent(column)}`]))]);
          break;
      }
    }
    return { json: jsonObject(pairs), texts, rowColumns };
  }

  relation(entity: Entity, row: string, field: RelationField, nodes: readonly FieldNode[], path: readonly string[]): string {
    const target = field.target();
    const alias = this.alias();
    const object = this.object(target, alias, nodes, field.many ? [...path, '*'] : path);
    const join = field.join;
    const targetTexts = target.declaration.texts;
    if (
      !field.many &&
      !field.nullable &&
      !('through' in join) &&
      !object.rowColumns &&
      !target.declaration.where &&
      targetTexts &&
      (targetTexts.localKey ?? target.keyColumns[0]) === columnsOf(join.to, target.keyColumns)[0] &&
      target.keyColumns.length === 1
    ) {
      // Only texts of a row that exists (a non-null relation): read the texts by the reference, without the row.
      const reference = `${row}.${quoteIdent(columnsOf(join.from, entity.keyColumns)[0]!)}`;
      return `(SELECT ${object.json} FROM (SELECT 1) ${alias}${this.textJoins(target, alias, false, reference)})`;
    }
    const texts = object.texts ? this.textJoins(target, alias) : '';
    const targetWhere = target.declaration.where ? [target.declaration.where(alias)] : [];
    let from: string;
    let conditions: string[];
    let order: string[];
    if ('through' in join) {
      const link = `${alias}_l`;
      const through = join.through;
      from = `${quoteTable(through.table)} ${link} JOIN ${quoteTable(target.declaration.table)} ${alias} ON ${alias}.${quoteIdent(target.keyColumns[0]!)} = ${link}.${quoteIdent(through.to)}`;
      conditions = [`${link}.${quoteIdent(through.from)} = ${row}.${quoteIdent(entity.keyColumns[0]!)}`];
      order = columnsOf(through.orderBy, []).map((column) => `${link}.${quoteIdent(column)}`);
    } else {
      const fromColumns = columnsOf(join.from, entity.keyColumns);
      const toColumns = columnsOf(join.to, target.keyColumns);
      from = `${quoteTable(target.declaration.table)} ${alias}`;
      conditions = toColumns.map((column, index) => `${alias}.${quoteIdent(column)} = ${row}.${quoteIdent(fromColumns[index]!)}`);
      order = columnsOf(field.orderBy, []).map((column) => `${alias}.${quoteIdent(column)}`);
    }
    const where = [...conditions, ...targetWhere].join(' AND ');
    const orderBy = order.length ? ` ORDER BY ${order.join(', ')}` : '';
    if (field.many) return `COALESCE((SELECT json_agg(${object.json}${orderBy}) FROM ${from}${texts} WHERE ${where}), '[]'::json)`;
    return `(SELECT ${object.json} FROM ${from}${texts} WHERE ${where}${orderBy} LIMIT 1)`;
  }

  /** The statement, with only the parameters its text uses (Postgres refuses extra ones), numbered from $1. */
  finish(text: string): CompiledStatement {
    const used = new Set([...text.matchAll(/\$(\d+)\b/g)].map((match) => Number(match[1])));
    const numbers = new Map<number, number>();
    const params: ParamGetter[] = [];
    this.params.forEach((getter, index) => {
      if (!used.has(index + 1)) return;
      params.push(getter);
      numbers.set(index + 1, params.length);
    });
    const renumbered = text.replace(/\$(\d+)\b/g, (_match, number: string) => `$${numbers.get(Number(number))}`);
    return { text: renumbered, params, roleChecks: this.roleChecks, computed: this.computed };
  }
}

/** A column's JSON value: enums as their names (null for a value newer than the enum), datetimes as ISO 8601 UTC. */
function columnValue(row: string, field: Extract<EntityField, { kind: 'column' }>): string {
  const value = `${row}.${quoteIdent(field.column)}`;
  if (field.enum) {
    const cases = Object.entries(field.enum)
      .filter(([name]) => Number.isNaN(Number(name)))
      .map(([name, stored]) => `WHEN ${typeof stored === 'number' ? stored : quoteLiteral(stored)} THEN ${quoteLiteral(name)}`);
    return `(CASE ${value} ${cases.join(' ')} END)`;
  }
  if (field.format === 'datetime') return `to_char(${value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  return value;
}

/** json_build_object takes at most 100 arguments; wider objects are built from a one-row subquery. */
function jsonObject(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length <= maxJsonPairs) return `json_build_object(${pairs.map(([key, value]) => `${quoteLiteral(key)}, ${value}`).join(', ')})`;
  return `(SELECT row_to_json(o) FROM (SELECT ${pairs.map(([key, value]) => `${value} AS ${quoteIdent(key)}`).join(', ')}) o)`;
}

// pg sends bigints as text; Postgres reads them back as the column's type.
const keyParam = (value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);
const listParam = (value: unknown): unknown => (Array.isArray(value) ? value.map(keyParam) : value);

/** `entity(key: …)`: one row by key, or null. */
export function compileLookup(
  entity: Entity,
  query: Extract<QueryDeclaration, { kind: 'byKey' }>,
  nodes: readonly FieldNode[],
  scope: CompileScope,
): CompiledStatement {
  const builder = new StatementBuilder(scope);
  const row = builder.alias();
  const object = builder.object(entity, row, nodes, []);
  const key = builder.param((input) => keyParam(input.args[query.arg]));
  const conditions = [`${row}.${quoteIdent(entity.keyColumns[0]!)} = ${key}`];
  if (entity.declaration.where) conditions.push(entity.declaration.where(row));
  const texts = object.texts ? builder.textJoins(entity, row) : '';
  return builder.finish(
    `SELECT (${object.json})::text AS j FROM ${quoteTable(entity.declaration.table)} ${row}${texts} WHERE ${conditions.join(' AND ')}`,
  );
}

/** Rows of `entity` by key, for custom resolvers, subscriptions and entity references: one statement per batch. */
export function compileBatch(entity: Entity, nodes: readonly FieldNode[], scope: CompileScope): CompiledStatement {
  const builder = new StatementBuilder(scope);
  const row = builder.alias();
  const object = builder.object(entity, row, nodes, []);
  const keys = builder.param((input) => input.keys);
  const keyColumn = `${row}.${quoteIdent(entity.keyColumns[0]!)}`;
  const conditions = [`${keyColumn}::text = ANY(${keys}::text[])`];
  if (entity.declaration.where) conditions.push(entity.declaration.where(row));
  const texts = object.texts ? builder.textJoins(entity, row) : '';
  return builder.finish(
    `SELECT ${keyColumn}::text AS k, ${object.json} AS j FROM ${quoteTable(entity.declaration.table)} ${row}${texts} WHERE ${conditions.join(' AND ')}`,
  );
}

/** The part of a list request that changes its SQL text (values never do). */
export function listShape(
  query: Extract<QueryDeclaration, { kind: 'list' }>,
  args: Record<string, unknown>,
  page: { backward: boolean; hasCursor: boolean },
): ListShape {
  const sort = args.sort as { field?: string; direction?: string } | null | undefined;
  const filter = (args.filter ?? {}) as Record<string, unknown>;
  const filters = Object.entries(query.filter?.fields ?? {})
    .filter(([name, field]) => field.where.op !== 'ignored' && isGiven(filter[name]))
    .map(([name]) => name);
  return {
    backward: page.backward,
    hasCursor: page.hasCursor,
    sortKey: sort?.field ?? query.sort?.default ?? '',
    descending: sort?.direction === 'DESC',
    filters,
  };
}

const isGiven = (value: unknown) => value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0);

export function shapeKey(shape: ListShape): string {
  return `${shape.backward ? 'b' : 'f'}${shape.hasCursor ? 'c' : ''}:${shape.sortKey}:${shape.descending ? 'd' : 'a'}:${shape.filters.join(',')}`;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (character) => `\\${character}`);

/** `entities(first, after, last, before, filter, sort)`: one keyset page as a Relay connection. */
export function compileList(
  entity: Entity,
  query: Extract<QueryDeclaration, { kind: 'list' }>,
  nodes: readonly FieldNode[],
  scope: CompileScope,
  shape: ListShape,
): CompiledStatement {
  const builder = new StatementBuilder(scope);
  const table = quoteTable(entity.declaration.table);
  const key = quoteIdent(entity.keyColumns[0]!);
  const d = 'd';
  const sort = query.sort ? sortColumn(query.sort, shape.sortKey) : query.order;
  // Sorting by name in the fallback language reads the (lang, name) index in order: an inner join (every
  // definition has a text in the fallback language) and no COALESCE around the column.
  const sortsByText = sort !== undefined && 'text' in sort;
  const innerTexts = sortsByText && scope.sameLanguage;
  const sortExpr = !sort
    ? undefined
    : 'column' in sort
      ? `${d}.${quoteIdent(sort.column)}`
      : innerTexts
        ? `${d}_t.${quoteIdent(sort.text)}`
        : `COALESCE(${builder.textColumn(entity, d, sort.text)}, '')`;

  const conditions: string[] = [];
  let filterNeedsTexts = false;
  if (entity.declaration.where) conditions.push(entity.declaration.where(d));
  if (query.where) conditions.push(query.where(d));
  for (const name of shape.filters) {
    const field = query.filter!.fields[name]!;
    const value = (input: PlanInput) => (input.args.filter as Record<string, unknown>)[name];
    const where = field.where;
    switch (where.op) {
      case 'eq':
      case 'gte':
      case 'lte': {
        const operator = { eq: '=', gte: '>=', lte: '<=' }[where.op];
        conditions.push(`${d}.${quoteIdent(where.column)} ${operator} ${builder.param((input) => keyParam(value(input)))}`);
        break;
      }
      case 'in':
        conditions.push(`${d}.${quoteIdent(where.column)} = ANY(${builder.param((input) => listParam(value(input)))})`);
        break;
      case 'textContains': {
        filterNeedsTexts = true;
        const text =
          innerTexts && where.text === sort.text ? `${d}_t.${quoteIdent(where.text)}` : `COALESCE(${builder.textColumn(entity, d, where.text)}, '')`;
        conditions.push(`${text} ILIKE ${builder.param((input) => `%${escapeLike(String(value(input)))}%`)}`);
        break;
      }
      case 'exists':
        conditions.push(
          `EXISTS (SELECT 1 FROM ${quoteTable(where.table)} e WHERE e.${quoteIdent(where.references)} = ${d}.${key} AND e.${quoteIdent(where.column)} = ${builder.param((input) => keyParam(value(input)))})`,
        );
        break;
      case 'ignored':
        break;
    }
  }
  const needsTexts = sortsByText || filterNeedsTexts;
  const pageTexts = needsTexts ? builder.textJoins(entity, d, innerTexts) : '';
  // The total counts without the cursor, and joins texts only to filter by them.
  const countTexts = filterNeedsTexts ? builder.textJoins(entity, d, innerTexts) : '';
  const whereAll = conditions.length ? conditions.join(' AND ') : 'TRUE';

  const ascending = !shape.descending !== shape.backward;
  const direction = ascending ? 'ASC' : 'DESC';
  // The list's order: the sort, then the key (unique, so that the order and the cursors are total).
  const keyOffset = sortExpr === undefined ? 0 : 1;
  const orderExprs = [...(sortExpr === undefined ? [] : [sortExpr]), ...entity.keyColumns.map((column) => `${d}.${quoteIdent(column)}`)];
  const pageConditions = [...conditions];
  if (shape.hasCursor) {
    const values = orderExprs.map((_expr, index) => builder.param((input) => input.cursor?.[index]));
    pageConditions.push(`(${orderExprs.join(', ')}) ${ascending ? '>' : '<'} (${values.join(', ')})`);
  }
  const take = builder.param((input) => (input.size === 0 ? 0 : input.size + 1));
  const size = builder.param((input) => input.size);
  const orderBy = orderExprs.map((expr) => `${expr} ${direction}`).join(', ');
  const page =
    `SELECT ${orderExprs.map((expr, index) => `${expr} AS c${index}__`).join(', ')}, row_number() OVER (ORDER BY ${orderBy}) AS n__ ` +
    `FROM ${table} ${d}${pageTexts} WHERE ${pageConditions.length ? pageConditions.join(' AND ') : 'TRUE'} ` +
    `ORDER BY ${orderBy} LIMIT ${take}`;
  const joinPage = (row: string) =>
    entity.keyColumns.map((column, index) => `${row}.${quoteIdent(column)} = p.c${index + keyOffset}__`).join(' AND ');

  const outputOrder = shape.backward ? 'DESC' : 'ASC';
  const reverseOrder = shape.backward ? 'ASC' : 'DESC';
  // A cursor is base64url JSON of the row's order values ([sort value, ...key]) as text; Postgres reads them back
  // as the columns' types.
  const cursor = (p: string) =>
    `translate(encode(convert_to(json_build_array(${orderExprs.map((_expr, index) => `${p}.c${index}__::text`).join(', ')})::text, 'UTF8'), 'base64'), E'+/=\\n', '-_')`;
  const connection = collectFields(subSelections(nodes), `${entity.name}Connection`, scope);
  const pairs: [string, string][] = [];
  for (const [responseKey, fieldNodes] of connection) {
    const name = fieldNodes[0]!.name.value;
    const rowsOf = (json: string, texts: boolean, row: string) =>
      `(SELECT COALESCE(json_agg(${json} ORDER BY p.n__ ${outputOrder}), '[]'::json) FROM page p JOIN ${table} ${row} ON ${joinPage(row)}${texts ? builder.textJoins(entity, row) : ''} WHERE p.n__ <= ${size})`;
    switch (name) {
      case '__typename':
        pairs.push([responseKey, quoteLiteral(`${entity.name}Connection`)]);
        break;
      case 'nodes': {
        const row = builder.alias();
        const object = builder.object(entity, row, fieldNodes, [responseKey, '*']);
        pairs.push([responseKey, rowsOf(object.json, object.texts, row)]);
        break;
      }
      case 'edges': {
        const row = builder.alias();
        const edgeFields = collectFields(subSelections(fieldNodes), `${entity.name}Edge`, scope);
        const edgePairs: [string, string][] = [];
        let texts = false;
        for (const [edgeKey, edgeNodes] of edgeFields) {
          const edgeField = edgeNodes[0]!.name.value;
          if (edgeField === '__typename') edgePairs.push([edgeKey, quoteLiteral(`${entity.name}Edge`)]);
          else if (edgeField === 'cursor') edgePairs.push([edgeKey, cursor('p')]);
          else {
            const object = builder.object(entity, row, edgeNodes, [responseKey, '*', edgeKey]);
            texts ||= object.texts;
            edgePairs.push([edgeKey, object.json]);
          }
        }
        pairs.push([responseKey, rowsOf(jsonObject(edgePairs), texts, row)]);
        break;
      }
      case 'pageInfo': {
        const infoFields = collectFields(subSelections(fieldNodes), 'PageInfo', scope);
        const more = `((SELECT count(*) FROM page) > ${size})`;
        const infoPairs: [string, string][] = [];
        for (const [infoKey, infoNodes] of infoFields) {
          const infoField = infoNodes[0]!.name.value;
          const edgeCursor = (order: string) => `(SELECT ${cursor('p')} FROM page p WHERE p.n__ <= ${size} ORDER BY p.n__ ${order} LIMIT 1)`;
          const value: Record<string, string> = {
            __typename: quoteLiteral('PageInfo'),
            hasNextPage: shape.backward ? String(shape.hasCursor) : more,
            hasPreviousPage: shape.backward ? more : String(shape.hasCursor),
            startCursor: edgeCursor(outputOrder),
            endCursor: edgeCursor(reverseOrder),
          };
          infoPairs.push([infoKey, value[infoField] ?? 'NULL']);
        }
        pairs.push([responseKey, jsonObject(infoPairs)]);
        break;
      }
      case 'totalCount':
        pairs.push([responseKey, `(SELECT count(*)::int FROM ${table} ${d}${countTexts} WHERE ${whereAll})`]);
        break;
      default:
        throw new Error(`${entity.name}Connection.${name} is not a connection field`);
    }
  }
  // A count alone reads no page.
  const readsPage = pairs.some(([, value]) => value.includes('FROM page'));
  const text = readsPage ? `WITH page AS (${page}) SELECT (${jsonObject(pairs)})::text AS j` : `SELECT (${jsonObject(pairs)})::text AS j`;
  return { ...builder.finish(text), cursorLength: orderExprs.length };
}

function sortColumn(sort: SortDeclaration, key: string): { column: string } | { text: string } {
  const column = sort.fieldEnum.values[key];
  if (!column) throw new Error(`unknown sort field ${key}`);
  return column;
}

/** Checks the values of a list's filter that SQL would take badly. */
export function checkFilter(filter: FilterDeclaration | undefined, values: Record<string, unknown> | null | undefined): string | undefined {
  if (!filter || !values) return undefined;
  for (const [name, field] of Object.entries(filter.fields)) {
    const value = values[name];
    if (field.where.op === 'textContains' && typeof value === 'string' && value.length > nameContainsLimit) {
      return `${name} is limited to ${nameContainsLimit} characters.`;
    }
  }
  return undefined;
}
