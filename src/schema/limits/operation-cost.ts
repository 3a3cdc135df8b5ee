import {
  Kind,
  getNamedType,
  isListType,
  isNonNullType,
  isInterfaceType,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { queryLimitError } from './limit-error.ts';
import type { QueryLimits } from './query-limits.ts';

/** Arguments that give the size of a list (or of a connection's page); the largest counts when several are given. */
const sizeArguments = ['first', 'last', 'limit'] as const;
/** Arguments by which a field returning a connection type is paged. */
const pageArguments = ['first', 'last'] as const;
/** Fields of a connection type that hold one entry per item of the page. */
const pageFields = new Set(['edges', 'nodes']);
/** Largest size an Int argument can have; bigger values fail coercion, but must not make the estimate Infinity. */
const maxInt = 2 ** 31 - 1;

/**
 * Estimates how many fields an operation resolves: 1 per field, and a field returning a list multiplies the
 * cost of its selection by the list's size: its `first`, `last` or `limit` argument (literal, variable, or the
 * argument's default), else `limits.defaultListSize`. A Relay connection (a field with `first`/`last`
 * arguments returning a type with `edges` or `nodes`) gives its page size to its `edges` and `nodes` lists;
 * its `pageInfo` and `totalCount` count once. Nested lists multiply.
 *
 * Named and inline fragments are followed; a fragment spread inside itself counts as empty (graphql's
 * NoFragmentCycles rule rejects such documents). `@skip` and `@include` are ignored: both branches count, since
 * their condition may be a variable and an upper bound is what a limit needs. Introspection fields (`__schema`,
 * `__type`, `__typename`) cost nothing: they are answered from the in-memory schema, and graphql's own
 * MaxIntrospectionDepthRule (in `specifiedRules`) bounds their nesting.
 *
 * Without `operationName`, or when no operation has that name, the costliest operation of the document counts.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: QueryLimits,
): number {
  const operations: OperationDefinitionNode[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
    else if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const named = operationName == null ? [] : operations.filter((operation) => operation.name?.value === operationName);
  let cost = 0;
  for (const operation of named.length > 0 ? named : operations) {
    cost = Math.max(cost, new CostWalk(schema, fragments, operation, variables ?? {}, limits.defaultListSize).cost());
  }
  return cost;
}

/**
 * Checks an operation's cost against `limits.maxCost` (see operationCost); call it once the operation and its
 * variables are known, after validation.
 */
export function checkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: QueryLimits,
): GraphQLError | undefined {
  return costError(operationCost(schema, document, operationName, variables, limits), limits);
}

/** The error for a cost over the limit, or undefined: for callers that already computed the cost. */
export function costError(cost: number, limits: QueryLimits): GraphQLError | undefined {
  if (cost <= limits.maxCost) return undefined;
  return queryLimitError(
    'maxCost',
    limits.maxCost,
    cost,
    `Query cost ${cost} exceeds the limit of ${limits.maxCost}: request smaller pages (first, last, limit), fewer nested lists or fewer fields, or split the query. ` +
      `The cost counts 1 per field, times the size of each enclosing list; a list without first, last or limit counts ${limits.defaultListSize}.`,
  );
}

class CostWalk {
  /** Cost of each fragment, by name and the page size it was spread with (its `edges`/`nodes` depend on it). */
  private readonly fragmentCosts = new Map<string, number>();
  private readonly entered = new Set<string>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly operation: OperationDefinitionNode,
    private readonly variables: Record<string, unknown>,
    private readonly defaultListSize: number,
  ) {}

  cost(): number {
    return this.selectionSetCost(this.operation.selectionSet, this.schema.getRootType(this.operation.operation) ?? undefined, undefined);
  }

  /**
   * @param parentType the type the selections are made on (undefined when unknown: each field then costs 1)
   * @param pageSize the page size of the connection whose selection this is, for its `edges` and `nodes`
   */
  private selectionSetCost(selectionSet: SelectionSetNode, parentType: GraphQLNamedType | undefined, pageSize: number | undefined): number {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD:
          cost += this.fieldCost(selection, parentType, pageSize);
          break;
        case Kind.INLINE_FRAGMENT: {
          const type = selection.typeCondition === undefined ? parentType : this.schema.getType(selection.typeCondition.name.value);
          cost += this.selectionSetCost(selection.selectionSet, type, pageSize);
          break;
        }
        case Kind.FRAGMENT_SPREAD:
          cost += this.fragmentCost(selection.name.value, pageSize);
          break;
      }
    }
    return cost;
  }

  private fragmentCost(name: string, pageSize: number | undefined): number {
    const key = `${name}\u0000${pageSize ?? ''}`;
    const known = this.fragmentCosts.get(key);
    if (known !== undefined) return known;
    const fragment = this.fragments.get(name);
    if (fragment === undefined || this.entered.has(name)) return 0;
    this.entered.add(name);
    const cost = this.selectionSetCost(fragment.selectionSet, this.schema.getType(fragment.typeCondition.name.value), pageSize);
    this.entered.delete(name);
    this.fragmentCosts.set(key, cost);
    return cost;
  }

  private fieldCost(field: FieldNode, parentType: GraphQLNamedType | undefined, pageSize: number | undefined): number {
    const name = field.name.value;
    if (name.startsWith('__')) return 0;
    const definition = isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[name] : undefined;
    if (definition === undefined) {
      return 1 + (field.selectionSet === undefined ? 0 : this.selectionSetCost(field.selectionSet, undefined, undefined));
    }
    const type = getNamedType(definition.type);
    const lists = listDepth(definition.type);
    const size = this.sizeArgument(field, definition);
    let multiplier = 1;
    let childPageSize: number | undefined;
    if (isConnection(definition, type)) {
      childPageSize = size ?? this.defaultListSize;
      multiplier = this.defaultListSize ** lists;
    } else if (lists > 0) {
      const inherited = pageSize !== undefined && pageFields.has(name) ? pageSize : undefined;
      multiplier = (size ?? inherited ?? this.defaultListSize) * this.defaultListSize ** (lists - 1);
    }
    if (field.selectionSet === undefined) return 1;
    return 1 + multiplier * this.selectionSetCost(field.selectionSet, type, childPageSize);
  }

  /** The largest of the field's size arguments, as given (literal or variable) or by the argument's default. */
  private sizeArgument(field: FieldNode, definition: GraphQLField<unknown, unknown>): number | undefined {
    let size: number | undefined;
    for (const name of sizeArguments) {
      const argument = definition.args.find((candidate) => candidate.name === name);
      if (argument === undefined) continue;
      const node = field.arguments?.find((candidate) => candidate.name.value === name);
      const value = node === undefined ? sizeOf(argument.defaultValue) : this.valueOf(node.value);
      if (value !== undefined) size = Math.max(size ?? 0, value);
    }
    return size;
  }

  private valueOf(node: ValueNode): number | undefined {
    if (node.kind === Kind.INT) return sizeOf(Number(node.value));
    if (node.kind !== Kind.VARIABLE) return undefined;
    const name = node.name.value;
    if (Object.hasOwn(this.variables, name) && this.variables[name] != null) return sizeOf(this.variables[name]);
    const definition = this.operation.variableDefinitions?.find((variable) => variable.variable.name.value === name);
    return definition?.defaultValue === undefined ? undefined : this.valueOf(definition.defaultValue);
  }
}

/** A usable list size, clamped to what an Int argument can hold; undefined for anything but a number. */
function sizeOf(value: unknown): number | undefined {
  if (typeof value !== 'number' || Number.isNaN(value)) return undefined;
  return Math.min(Math.max(Math.trunc(value), 0), maxInt);
}

/** How many list types wrap the field's named type (`[[Item!]!]` has 2). */
function listDepth(type: GraphQLOutputType): number {
  let depth = 0;
  for (let current: GraphQLType = type; ;) {
    if (isNonNullType(current)) current = current.ofType;
    else if (isListType(current)) {
      depth += 1;
      current = current.ofType;
    } else return depth;
  }
}

/** A Relay connection field: paged by `first`/`last`, returning a type with `edges` or `nodes`. */
function isConnection(field: GraphQLField<unknown, unknown>, type: GraphQLNamedType): boolean {
  if (!field.args.some((argument) => (pageArguments as readonly string[]).includes(argument.name))) return false;
  if (!isObjectType(type) && !isInterfaceType(type)) return false;
  const fields = type.getFields();
  return [...pageFields].some((name) => name in fields);
}
