import type { RequestContext } from '../request-context.ts';

/**
 * Entities: a plugin declares each of its tables once — key, columns as GraphQL fields, relations, localized
 * texts, filters and sorts — and Tessera derives the GraphQL types, the root query fields and their SQL from it.
 * A root field's whole selection runs as one SQL statement that builds the response JSON in Postgres.
 *
 * Identifiers and `where` conditions here are plugin code, never user input: they are written into SQL as given
 * (quoted where they are names). Values from queries always travel as parameters.
 */

/** A type-graphql type function, as in `@Field(() => Int)`: a scalar, an enum object, or a one-element list of one. */
export type GraphQLTypeFn = () => unknown;

/** The language of one read of localized texts, and the language to fall back on for rows without that text. */
export interface TextLanguage {
  lang: string;
  fallback: string;
}

/** Picks the language of a root field from its `lang` argument and the request (e.g. Accept-Language). */
export type LanguageResolver = (argument: string | null | undefined, context: RequestContext) => TextLanguage;

/** Where an entity's localized texts live: one row per (entity, language). */
export interface TextsDeclaration {
  /** e.g. 'game.item_text'. */
  table: string;
  /** The texts table's column that references the entity. */
  foreignKey: string;
  /** The entity's column it references (default: the entity's key). */
  localKey?: string;
  /** The texts table's language column (default 'lang'). */
  langColumn?: string;
  language: LanguageResolver;
}

interface FieldOptions {
  description?: string;
  nullable?: boolean;
  /** Roles allowed to read the field (any of them); others get FORBIDDEN, and the column is never selected. */
  roles?: readonly string[];
}

export interface ColumnField extends FieldOptions {
  kind: 'column';
  column: string;
  type: GraphQLTypeFn;
  /** For an enum field stored as its value (e.g. an int): the enum object registered with registerEnumType. */
  enum?: Record<string, string | number>;
  /** How the value is read: 'datetime' formats a timestamp as ISO 8601 in UTC, as DateTime serializes. */
  format?: 'datetime';
}

export interface TextField extends FieldOptions {
  kind: 'text';
  /** Column of the texts table. */
  column: string;
  type: GraphQLTypeFn;
  /** Value when the row has no text in either language (e.g. '' for a non-null name). */
  fallback?: string;
}

export interface LanguageField extends FieldOptions {
  kind: 'language';
}

/** How a relation reaches its target rows: directly (`from` columns equal the target's `to` columns), or through a link table. */
export type RelationJoin =
  | { from?: string | readonly string[]; to?: string | readonly string[] }
  | { through: { table: string; from: string; to: string; orderBy?: string | readonly string[] } };

export interface RelationField extends FieldOptions {
  kind: 'relation';
  target: () => Entity;
  many: boolean;
  join: RelationJoin;
  /** Order of a list relation over the target's columns, e.g. ['vendor_hash', 'vendor_item_index']. */
  orderBy?: string | readonly string[];
}

/**
 * A field computed in code beside the compiled ones: `resolve` gets every parent of one request at once (their
 * `requires` columns), so it is batched by construction, never called per row.
 */
export interface ComputedField extends FieldOptions {
  kind: 'computed';
  type: GraphQLTypeFn;
  requires: readonly string[];
  resolve(parents: readonly Record<string, unknown>[], context: RequestContext): Promise<readonly unknown[]> | readonly unknown[];
}

export type EntityField = ColumnField | TextField | LanguageField | RelationField | ComputedField;

/** One condition of a list filter, applied when the client gives the filter field (a non-empty list for `in`). */
export type FilterCondition =
  /** The column compares to the value. */
  | { op: 'eq' | 'gte' | 'lte'; column: string }
  /** The column is one of the values. */
  | { op: 'in'; column: string }
  /** The localized text contains the value, case-insensitively (at most 200 characters). */
  | { op: 'textContains'; text: string }
  /** A row of `table` whose `references` column holds this entity's (single-column) key has `column` = the value. */
  | { op: 'exists'; table: string; references: string; column: string }
  /** Accepted and ignored (an input type shared with a list it does not apply to). */
  | { op: 'ignored' };

export interface FilterField {
  type: GraphQLTypeFn;
  description?: string;
  where: FilterCondition;
}

/** A filter input type (its name is shared: two lists may declare the same input with the same fields). */
export interface FilterDeclaration {
  name: string;
  description?: string;
  fields: Record<string, FilterField>;
}

/** A sort input: `{ field: <Enum> = default, direction: SortDirection = ASC }`. */
export interface SortDeclaration {
  name: string;
  fieldEnum: { name: string; values: Record<string, { column: string } | { text: string }>; description?: string };
  default: string;
}

export type QueryDeclaration =
  | { kind: 'byKey'; arg: string; argType: GraphQLTypeFn; description?: string }
  | {
      kind: 'list';
      description?: string;
      filter?: FilterDeclaration;
      sort?: SortDeclaration;
      /** The order of a list without a `sort` argument (default: by key). */
      order?: { column: string } | { text: string };
      /** A condition every row of this list meets, over its row alias. */
      where?: (row: string) => string;
    };

export interface EntityDeclaration<Fields extends Record<string, EntityField> = Record<string, EntityField>> {
  /** GraphQL type name. */
  name: string;
  description?: string;
  /** Qualified table, e.g. 'game.item'. */
  table: string;
  /** Key column(s). Root lists and lookups need a single-column key. */
  key: string | readonly string[];
  /** A condition every row of this entity meets, over its row alias. @example where: (row) => `${row}.item_type = 15` */
  where?: (row: string) => string;
  texts?: TextsDeclaration;
  fields: Fields;
  /** Root query fields served by this entity. */
  queries?: Record<string, QueryDeclaration>;
}

/** A declared entity; pass it to `graphql.entities` of a plugin manifest. */
export interface Entity {
  readonly declaration: EntityDeclaration;
  readonly name: string;
  readonly keyColumns: readonly string[];
}

/**
 * Declares an entity.
 *
 * @example
 * export const Place = defineEntity({
 *   name: 'Place',
 *   table: 'game.place',
 *   key: 'hash',
 *   texts: { table: 'game.place_text', foreignKey: 'place_hash', language: gameLanguage },
 *   fields: {
 *     hash: column('hash', () => BungieHashScalar),
 *     name: text('name', () => String, { fallback: '' }),
 *     destinations: hasMany(() => Destination, { to: 'place_hash', orderBy: 'index' }),
 *   },
 *   queries: { place: { kind: 'byKey', arg: 'hash', argType: () => BungieHashScalar } },
 * });
 */
export function defineEntity(declaration: EntityDeclaration): Entity {
  const keyColumns = typeof declaration.key === 'string' ? [declaration.key] : [...declaration.key];
  if (keyColumns.length === 0) throw new Error(`Entity ${declaration.name}: give a key column.`);
  for (const [name, field] of Object.entries(declaration.fields)) {
    if (field.kind === 'text' || field.kind === 'language') {
      if (!declaration.texts) throw new Error(`Entity ${declaration.name}: field ${name} is localized but the entity declares no texts table.`);
    }
  }
  for (const [name, query] of Object.entries(declaration.queries ?? {})) {
    const needsOneKey = query.kind === 'byKey' || Object.values(query.filter?.fields ?? {}).some((field) => field.where.op === 'exists');
    if (needsOneKey && keyColumns.length > 1) {
      throw new Error(
        `Entity ${declaration.name}: ${name} needs a single-column key (a lookup by key or an 'exists' filter); the key is ${keyColumns.join(', ')}.`,
      );
    }
  }
  return { declaration, name: declaration.name, keyColumns };
}

/** A column of the entity's table as a field. @example index: column('index', () => Int) */
export function column(name: string, type: GraphQLTypeFn, options: Omit<ColumnField, 'kind' | 'column' | 'type'> = {}): ColumnField {
  return { kind: 'column', column: name, type, ...options };
}

/** A localized text, in the query's language with fallback. @example name: text('name', () => String, { fallback: '' }) */
export function text(name: string, type: GraphQLTypeFn, options: Omit<TextField, 'kind' | 'column' | 'type'> = {}): TextField {
  return { kind: 'text', column: name, type, nullable: options.fallback === undefined, ...options };
}

/** The language the entity's texts were asked in. */
export function language(options: FieldOptions = {}): LanguageField {
  return { kind: 'language', nullable: true, ...options };
}

/** A to-one relation. @example place: belongsTo(() => Place, { from: 'place_hash' }) */
export function belongsTo(target: () => Entity, join: RelationJoin, options: FieldOptions = {}): RelationField {
  return { kind: 'relation', target, many: false, join, ...options };
}

/** A list relation. @example sales: hasMany(() => VendorSale, { to: 'vendor_hash', orderBy: 'vendor_item_index' }) */
export function hasMany(
  target: () => Entity,
  join: RelationJoin,
  options: FieldOptions & { orderBy?: string | readonly string[] } = {},
): RelationField {
  return { kind: 'relation', target, many: true, join, ...options };
}

/** A field computed in code, batched over all parents of a request. */
export function computed(
  type: GraphQLTypeFn,
  requires: readonly string[],
  resolve: ComputedField['resolve'],
  options: FieldOptions = {},
): ComputedField {
  return { kind: 'computed', type, requires, resolve, ...options };
}
