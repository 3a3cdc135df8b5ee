import { beforeAll, describe, expect, it } from 'vitest';
import { getIntrospectionQuery, parse, specifiedRules, validate, type GraphQLError, type GraphQLSchema } from 'graphql';
import { loadPlugins } from '../../src/core/plugins/load-plugins.ts';
import { builtInPlugins } from '../../src/plugins/index.ts';
import { buildTesseraSchema } from '../../src/schema/build-schema.ts';
import { createEventBus } from '../../src/core/pubsub.ts';
import { createLogger } from '../../src/core/logger.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { defaultPageSize } from '../../src/schema/pagination.ts';
import {
  checkBatch,
  checkCost,
  checkTokenLimit,
  checkVariablesSize,
  defaultQueryLimits,
  loadQueryLimits,
  operationCost,
  queryLimitRules,
  queryLimitsEnvironment,
  type QueryLimits,
} from '../../src/schema/limits/index.ts';

const limits: QueryLimits = defaultQueryLimits;
let schema: GraphQLSchema;

beforeAll(async () => {
  const [game] = await loadPlugins(['game'], { builtIns: builtInPlugins });
  schema = await buildTesseraSchema([game!], createEventBus({ redisUrl: undefined, logger: createLogger('silent') }));
});

function check(query: string, queryLimits: QueryLimits = limits): readonly GraphQLError[] {
  return validate(schema, parse(query), [...specifiedRules, ...queryLimitRules(queryLimits)]);
}

function limitErrors(errors: readonly GraphQLError[]): GraphQLError[] {
  return errors.filter((error) => error.extensions.code === 'QUERY_LIMIT_EXCEEDED');
}

function cost(query: string, variables?: Record<string, unknown>, operationName?: string): number {
  return operationCost(schema, parse(query), operationName, variables, limits);
}

/** vendors → nodes → sales → item, then soldBy → vendor → sales → item… for `levels` nested fields, then a leaf: depth levels + 1. */
function depthBomb(levels: number): string {
  const path = ['vendors', 'nodes', 'sales', 'item'].slice(0, levels);
  const cycle = ['soldBy', 'vendor', 'sales', 'item'];
  while (path.length < levels) path.push(cycle[(path.length - 4) % 4]!);
  const leaf = path.at(-1) === 'sales' || path.at(-1) === 'soldBy' ? 'quantity' : 'name';
  return `{ ${path.map((field) => `${field} {`).join(' ')} ${leaf} ${'}'.repeat(path.length)} }`;
}

/** The heaviest query the project runs itself (test/game/nested-list-costs-constant-sql.test.ts and the read benchmark). */
const nestedVendors = `query($first: Int!) {
  vendors(first: $first, sort: { field: NAME, direction: ASC }) {
    nodes { hash name sales { vendorItemIndex item { hash name tier } costs { quantity currency { hash name } } } }
  }
}`;

describe('depth', () => {
  it('rejects a depth bomb with the depth, the limit and the fix', () => {
    const query = depthBomb(20);
    const errors = limitErrors(check(query));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toBe('Query depth 21 exceeds the limit of 12: request fewer nested levels, or split the query.');
    expect(errors[0]!.extensions).toEqual({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'maxDepth', max: 12, actual: 21 });
  });

  it('passes a legal nested query, and counts depth at the limit as legal', () => {
    expect(check('{ vendors { nodes { sales { item { name } costs { currency { name } } } } } }')).toEqual([]);
    expect(check(nestedVendors)).toEqual([]);
    expect(check(depthBomb(11))).toEqual([]); // 11 nested fields and a leaf: depth 12
    expect(check(depthBomb(10))).toEqual([]);
    expect(limitErrors(check(depthBomb(12)))[0]?.extensions.actual).toBe(13);
  });

  it('counts depth through named and inline fragments', () => {
    const query = `{ vendors { nodes { ...V } } }
      fragment V on Vendor { sales { ... on VendorSale { item { ...I } } } }
      fragment I on Item { soldBy { vendor { name } } }`;
    expect(limitErrors(check(query, { ...limits, maxDepth: 7 }))).toEqual([]);
    expect(limitErrors(check(query, { ...limits, maxDepth: 6 }))[0]?.extensions).toMatchObject({ limit: 'maxDepth', max: 6, actual: 7 });
  });

  it('returns errors for circular fragments instead of looping', () => {
    const query = `{ item(hash: 1) { ...A } }
      fragment A on Item { soldBy { item { ...B } } }
      fragment B on Item { soldBy { item { ...A } } }`;
    const messages = check(query).map((error) => error.message);
    expect(messages).toContain('Cannot spread fragment "A" within itself via "B".');
    expect(Number.isFinite(cost(query))).toBe(true);
  });

  it('measures fragments spread exponentially many times once each', () => {
    const fragments = Array.from({ length: 30 }, (_, index) =>
      index < 29 ? `fragment F${index} on Item { a${index}: name ...F${index + 1} ...F${index + 1} }` : `fragment F${index} on Item { name }`,
    );
    const query = `{ item(hash: 1) { ...F0 } }\n${fragments.join('\n')}`;
    const errors = limitErrors(check(query));
    expect(errors.map((error) => error.extensions.limit)).toEqual(['maxAliases']);
    expect(errors[0]!.extensions.actual).toBe(2 ** 29 - 1);
    expect(checkCost(schema, parse(query), undefined, undefined, limits)?.extensions.limit).toBe('maxCost');
  });

  it('lets the standard introspection query through every limit', () => {
    const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true });
    expect(checkTokenLimit(query, limits.maxTokens)).toBeUndefined();
    expect(check(query)).toEqual([]);
    expect(checkCost(schema, parse(query), undefined, undefined, limits)).toBeUndefined();
  });
});

describe('aliases, duplicated fields and directives', () => {
  const aliased = (count: number) => `{ ${Array.from({ length: count }, (_, index) => `a${index}: item(hash: 1) { name }`).join(' ')} }`;

  it('rejects 100 aliases and passes 10', () => {
    const errors = limitErrors(check(aliased(100)));
    expect(errors.map((error) => error.message)).toEqual([
      'Query alias count 100 exceeds the limit of 30: use fewer aliases, or split the query into several requests.',
    ]);
    expect(errors[0]!.extensions).toEqual({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'maxAliases', max: 30, actual: 100 });
    expect(check(aliased(10))).toEqual([]);
  });

  it('counts the aliases of a fragment once per spread', () => {
    const query = `{ a: item(hash: 1) { ...X } b: item(hash: 2) { ...X } } fragment X on Item { n1: name n2: name }`;
    expect(limitErrors(check(query, { ...limits, maxAliases: 6 }))).toEqual([]);
    expect(limitErrors(check(query, { ...limits, maxAliases: 5 }))[0]?.extensions.actual).toBe(6);
  });

  it('stops field duplication with the token limit, before parsing', () => {
    const query = `{ item(hash: 1) { ${'name '.repeat(5000)}} }`;
    const error = checkTokenLimit(query, limits.maxTokens);
    expect(error?.message).toBe(
      'Query token count exceeds the limit of 3000 (counting stopped at 3001): send a shorter document, with fewer fields, aliases and arguments, or split the query.',
    );
    expect(error?.extensions).toEqual({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'maxTokens', max: 3000, actual: 3001 });
    expect(checkTokenLimit(`{ item(hash: 1) { ${'name '.repeat(100)}} }`, limits.maxTokens)).toBeUndefined();
  });

  it('rejects a document of a million tokens without lexing it all', () => {
    // The unterminated string at the end is a syntax error: had the lexer reached it, there would be no limit error.
    const query = `{ ${'a '.repeat(1_000_000)} "unterminated`;
    expect(checkTokenLimit(query, limits.maxTokens)?.extensions.limit).toBe('maxTokens');
    expect(checkTokenLimit('{ a } "unterminated', limits.maxTokens)).toBeUndefined();
  });

  it('counts comments as tokens, and stops a long run of them', () => {
    expect(checkTokenLimit('# one\n{ a } # two', 5)).toBeUndefined();
    expect(checkTokenLimit('# one\n{ a } # two', 4)?.extensions.actual).toBe(5);
    expect(checkTokenLimit(`${'# comment\n'.repeat(1_000_000)}{ a } "unterminated`, limits.maxTokens)?.extensions.limit).toBe('maxTokens');
  });

  it('rejects 50 @include directives and passes a few', () => {
    const directives = (count: number) => `query($yes: Boolean = true) { item(hash: 1) { ${'name @include(if: $yes) '.repeat(count)}} }`;
    const errors = limitErrors(check(directives(50)));
    expect(errors.map((error) => error.message)).toEqual([
      'Query directive count 50 exceeds the limit of 20: use fewer directives (@include, @skip…), or split the query.',
    ]);
    expect(errors[0]!.extensions).toMatchObject({ limit: 'maxDirectives', max: 20, actual: 50 });
    expect(check(directives(5))).toEqual([]);
  });

  it('counts directives on fragments, spreads and the operation', () => {
    const query = `query Q($yes: Boolean = true) { item(hash: 1) { ...F @include(if: $yes) ... @skip(if: false) { name } } } fragment F on Item { name @include(if: true) }`;
    expect(limitErrors(check(query, { ...limits, maxDirectives: 3 }))).toEqual([]);
    expect(limitErrors(check(query, { ...limits, maxDirectives: 2 }))[0]?.extensions.actual).toBe(3);
  });
});

describe('cost', () => {
  it('weighs a connection by `first` and its unpaged lists by the default list size', () => {
    expect(cost('{ items(first: 10) { nodes { name } } }')).toBe(1 + 1 + 10);
    expect(cost('{ items { nodes { name } } }')).toBe(1 + 1 + defaultQueryLimits.defaultListSize);
    // edges and nodes take the page size; pageInfo and totalCount count once.
    expect(cost('{ items(last: 20) { totalCount pageInfo { endCursor } edges { cursor node { name } } } }')).toBe(1 + 1 + 2 + 1 + 20 * 3);
    // A plain list without a size argument: 50 sales, each with item and name.
    expect(cost('{ vendor(hash: 1) { sales { item { name } } } }')).toBe(1 + 1 + 50 * 2);
    // `limit`, and an argument's default (rarestItems(limit: Int! = 10)).
    expect(cost('{ rarestItems(limit: 3) { item { name } } }')).toBe(1 + 3 * 2);
    expect(cost('{ rarestItems { item { name } } }')).toBe(1 + 10 * 2);
  });

  it('rejects a page of 500 over nested lists and accepts a small page', () => {
    const heavy = '{ items(first: 500) { nodes { soldBy { vendor { sales { item { name } } } } } } }';
    expect(cost(heavy)).toBe(1 + 1 + 500 * (1 + 50 * (1 + 1 + 50 * 2)));
    const error = checkCost(schema, parse(heavy), undefined, undefined, limits);
    expect(error?.message).toMatch(/^Query cost 2550502 exceeds the limit of 1000000: request smaller pages \(first, last, limit\)/);
    expect(error?.extensions).toEqual({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'maxCost', max: 1_000_000, actual: 2_550_502 });
    expect(checkCost(schema, parse('{ items(first: 10) { nodes { name } } }'), undefined, undefined, limits)).toBeUndefined();
  });

  it('reads the size from a variable as from a literal, then from the variable default', () => {
    const literal = cost('{ items(first: 7) { nodes { soldBy { vendor { name } } } } }');
    const query = 'query($n: Int) { items(first: $n) { nodes { soldBy { vendor { name } } } } }';
    expect(cost(query, { n: 7 })).toBe(literal);
    expect(cost(query, { n: 8 })).toBeGreaterThan(literal);
    expect(cost('query($n: Int = 7) { items(first: $n) { nodes { soldBy { vendor { name } } } } }')).toBe(literal);
    expect(cost(query, {})).toBe(cost('{ items { nodes { soldBy { vendor { name } } } } }'));
    // Sizes beyond an Int are clamped, never Infinity.
    expect(Number.isFinite(cost(query, { n: 1e308 }))).toBe(true);
  });

  it('follows named and inline fragments, with the page size of the connection they are spread in', () => {
    const direct = cost('{ items(first: 5) { nodes { name soldBy { quantity } } } }');
    expect(
      cost(
        '{ items(first: 5) { ...Page } } fragment Page on ItemConnection { nodes { ...on Item { name } ...Sold } } fragment Sold on Item { soldBy { quantity } }',
      ),
    ).toBe(direct);
  });

  it('counts the named operation, or the costliest one', () => {
    const document = 'query Small { items(first: 1) { nodes { name } } } query Big { items(first: 100) { nodes { name } } }';
    expect(cost(document, undefined, 'Small')).toBe(3);
    expect(cost(document, undefined, 'Big')).toBe(102);
    expect(cost(document)).toBe(102);
  });

  it("passes the project's own heaviest query under the default limit", () => {
    expect(checkCost(schema, parse(nestedVendors), undefined, { first: 50 }, limits)).toBeUndefined();
    expect(checkCost(schema, parse(nestedVendors), undefined, { first: 100 }, limits)?.extensions.limit).toBe('maxCost');
  });
});

describe('batches and variables', () => {
  it('rejects a batch longer than the limit, saying the limit', () => {
    const error = checkBatch(
      Array.from({ length: 11 }, () => ({ query: '{ plugins { name } }' })),
      limits.maxBatch,
    );
    expect(error?.message).toBe('Batch of 11 operations exceeds the limit of 10: send at most 10 operations per request, or several requests.');
    expect(error?.extensions).toEqual({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'maxBatch', max: 10, actual: 11 });
    expect(
      checkBatch(
        Array.from({ length: 10 }, () => ({})),
        limits.maxBatch,
      ),
    ).toBeUndefined();
    expect(checkBatch({ query: '{ plugins { name } }' }, limits.maxBatch)).toBeUndefined();
  });

  it('rejects 1 MiB of variables and passes small ones', () => {
    const huge = { hashes: Array.from({ length: 1024 }, () => 'x'.repeat(1024)) };
    const error = checkVariablesSize(huge, limits.maxVariablesBytes);
    expect(error?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'maxVariablesBytes', max: 65536 });
    expect(error?.extensions.actual).toBeGreaterThan(1024 * 1024);
    expect(error?.message).toMatch(/^Variables of \d+ bytes exceed the limit of 65536 bytes: /);
    expect(checkVariablesSize(JSON.stringify(huge), limits.maxVariablesBytes)?.extensions.limit).toBe('maxVariablesBytes');
    expect(checkVariablesSize({ first: 10, filter: { nameContains: 'horn' } }, limits.maxVariablesBytes)).toBeUndefined();
    expect(checkVariablesSize(undefined, limits.maxVariablesBytes)).toBeUndefined();
  });
});

describe('loadQueryLimits', () => {
  it('uses the defaults, and reads overrides', () => {
    expect(loadQueryLimits({})).toEqual(defaultQueryLimits);
    expect(loadQueryLimits({ TESSERA_MAX_DEPTH: '' })).toEqual(defaultQueryLimits);
    expect(loadQueryLimits({ TESSERA_MAX_DEPTH: '20', TESSERA_MAX_COST: '5000', TESSERA_MAX_VARIABLES_BYTES: ' 1024 ' })).toEqual({
      ...defaultQueryLimits,
      maxDepth: 20,
      maxCost: 5000,
      maxVariablesBytes: 1024,
    });
  });

  it('rejects a value that is not a positive whole number, naming the variable', () => {
    expect(() => loadQueryLimits({ TESSERA_MAX_DEPTH: 'lots' })).toThrow(ConfigError);
    expect(() => loadQueryLimits({ TESSERA_MAX_DEPTH: 'lots' })).toThrow(/TESSERA_MAX_DEPTH="lots": expected a positive whole number/);
    expect(() => loadQueryLimits({ TESSERA_MAX_BATCH: '0' })).toThrow(/TESSERA_MAX_BATCH="0": expected a positive whole number/);
    expect(() => loadQueryLimits({ TESSERA_MAX_COST: '1.5' })).toThrow(/TESSERA_MAX_COST/);
  });

  it('documents every variable it reads, and defaults lists to the server page size', () => {
    const variables = Object.keys(queryLimitsEnvironment);
    expect(variables).toHaveLength(7);
    for (const name of variables) expect(() => loadQueryLimits({ [name]: 'x' }), name).toThrow(name);
    expect(defaultQueryLimits.defaultListSize).toBe(defaultPageSize);
  });
});
