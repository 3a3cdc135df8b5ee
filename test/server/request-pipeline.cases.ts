import { expect } from 'vitest';
import { maskedMessage } from '../../src/schema/errors.ts';
import type { Operation, Outcome } from '../helpers/transports.ts';

// The request rules as cases, each run over HTTP and over graphql-ws by request-pipeline.test.ts.

/** development: the defaults; production: NODE_ENV=production; strict: credentials required, 3 requests a minute per key. */
export type ServerName = 'development' | 'production' | 'strict';
/** Who sends the operation: `fresh viewer` is a new viewer key per transport (its own rate-limit budget). */
export type Caller = 'anonymous' | 'viewer' | 'admin' | 'invalid' | 'revoked' | 'fresh viewer';

export interface Case {
  name: string;
  server?: ServerName;
  as?: Caller;
  operation: Operation;
  /** Times the operation is sent; the last outcome counts. */
  times?: number;
  /** The first error's code; undefined for success. */
  code?: string;
  /** The HTTP status. 401 means that graphql-ws closes the connection with 4403 and the code as reason. */
  status: number;
  /** Further checks, the same for both transports. */
  check?: (outcome: Outcome) => void;
}

export const firstError = (outcome: Outcome) => outcome.errors[0] ?? { message: '', extensions: {} };
const aliases = (count: number, field: string) => Array.from({ length: count }, (_, index) => `a${index}: ${field}`).join(' ');
const depthBomb = `{ vendors { nodes { ${'sales { item { soldBy { vendor { '.repeat(4)}name${' } } } }'.repeat(4)} } } }`;
const enumTypo = { query: 'query($types: [ItemType!]) { items(filter: { types: $types }) { totalCount } }', variables: { types: ['WEAPONZ'] } };

export const cases: Case[] = [
  {
    name: 'a plain query',
    as: 'viewer',
    operation: { query: '{ me { kind roles } }' },
    status: 200,
    check: (o) => expect(o.data).toEqual({ me: { kind: 'key', roles: ['viewer'] } }),
  },
  {
    name: 'a query too deep',
    operation: { query: depthBomb },
    code: 'QUERY_LIMIT_EXCEEDED',
    status: 400,
    check: (o) => expect(firstError(o).extensions).toMatchObject({ limit: 'maxDepth', max: 12 }),
  },
  {
    name: 'too many aliases',
    operation: { query: `{ ${aliases(31, 'item(hash: 1) { name }')} }` },
    code: 'QUERY_LIMIT_EXCEEDED',
    status: 400,
    check: (o) => expect(firstError(o).extensions).toMatchObject({ limit: 'maxAliases', max: 30, actual: 31 }),
  },
  {
    name: 'a query too costly',
    operation: { query: '{ items(first: 500) { nodes { soldBy { vendor { sales { item { name } } } } } } }' },
    code: 'QUERY_LIMIT_EXCEEDED',
    status: 400,
    check: (o) => expect(firstError(o).extensions).toMatchObject({ limit: 'maxCost', max: 1_000_000 }),
  },
  {
    name: 'a document of too many tokens',
    operation: { query: `{ item(hash: 1) { ${'name '.repeat(3_100)} } }` },
    code: 'QUERY_LIMIT_EXCEEDED',
    status: 400,
    check: (o) => expect(firstError(o).extensions).toMatchObject({ limit: 'maxTokens' }),
  },
  {
    name: 'a subscription with too many aliases',
    as: 'admin',
    operation: { query: `subscription { ingestRunUpdated { ${aliases(31, 'status')} } }` },
    code: 'QUERY_LIMIT_EXCEEDED',
    status: 400,
    check: (o) => expect(firstError(o).extensions).toMatchObject({ limit: 'maxAliases' }),
  },
  {
    name: 'introspection in development',
    operation: { query: '{ __schema { queryType { name } } }' },
    status: 200,
    check: (o) => expect(o.data).toEqual({ __schema: { queryType: { name: 'Query' } } }),
  },
  {
    name: 'introspection in production',
    server: 'production',
    operation: { query: '{ __schema { queryType { name } } }' },
    code: 'GRAPHQL_VALIDATION_FAILED',
    status: 400,
    check: (o) => {
      expect(firstError(o).message).toContain('introspection (__schema) is turned off');
      expect(o.data).toBeUndefined();
    },
  },
  {
    name: '__typename in production',
    server: 'production',
    operation: { query: '{ __typename }' },
    status: 200,
    check: (o) => expect(o.data).toEqual({ __typename: 'Query' }),
  },
  {
    name: 'a misspelt field in development',
    operation: { query: '{ itemz { totalCount } }' },
    code: 'GRAPHQL_VALIDATION_FAILED',
    status: 400,
    check: (o) => expect(firstError(o).message).toMatch(/^Cannot query field "itemz" on type "Query"\. Did you mean "item/),
  },
  {
    name: 'a misspelt field in production',
    server: 'production',
    operation: { query: '{ itemz { totalCount } }' },
    code: 'GRAPHQL_VALIDATION_FAILED',
    status: 400,
    check: (o) => expect(firstError(o).message).toBe('Cannot query field "itemz" on type "Query".'),
  },
  {
    name: 'a misspelt enum value in a variable, in development',
    operation: enumTypo,
    code: 'BAD_USER_INPUT',
    status: 400,
    check: (o) => expect(firstError(o).message).toContain('Did you mean the enum value "WEAPON"?'),
  },
  {
    name: 'a misspelt enum value in a variable, in production',
    server: 'production',
    operation: enumTypo,
    code: 'BAD_USER_INPUT',
    status: 400,
    check: (o) => {
      expect(firstError(o).message).toContain('Value "WEAPONZ" does not exist in "ItemType" enum.');
      expect(firstError(o).message).not.toContain('Did you mean');
    },
  },
  { name: 'a syntax error', operation: { query: '{ me { kind }' }, code: 'GRAPHQL_PARSE_FAILED', status: 400 },
  {
    name: 'two operations and no operation name',
    operation: { query: 'query A { me { kind } } query B { me { id } }' },
    code: 'OPERATION_RESOLUTION_FAILURE',
    status: 400,
    check: (o) => expect(firstError(o).message).toBe('Must provide operation name if query contains multiple operations.'),
  },
  {
    name: 'no credentials where they are required',
    server: 'strict',
    operation: { query: '{ me { kind } }' },
    code: 'UNAUTHENTICATED',
    status: 401,
    check: (o) => {
      if (o.transport === 'http') expect(firstError(o).message).toContain('send Authorization: Bearer <API key or JWT>');
    },
  },
  {
    name: 'an unknown API key',
    as: 'invalid',
    operation: { query: '{ me { kind } }' },
    code: 'UNAUTHENTICATED',
    status: 401,
    check: (o) => {
      if (o.transport === 'http') expect(o.headers?.get('www-authenticate')).toContain('Bearer');
    },
  },
  { name: 'a revoked API key', as: 'revoked', operation: { query: '{ me { kind } }' }, code: 'UNAUTHENTICATED', status: 401 },
  {
    name: 'an anonymous client asking for what needs a role',
    operation: { query: '{ ingestRuns { totalCount } }' },
    code: 'UNAUTHENTICATED',
    status: 200,
    check: (o) => expect(firstError(o).message).toContain('Query.ingestRuns needs the role analyst: send an API key or token that has it.'),
  },
  {
    name: 'a key without the role',
    as: 'viewer',
    operation: { query: '{ ingestRuns { totalCount } }' },
    code: 'FORBIDDEN',
    status: 200,
    check: (o) => {
      expect(firstError(o).message).toContain('needs the role analyst; this API key has viewer');
      expect(o.data).toBeNull();
    },
  },
  {
    name: 'a client over its rate limit',
    server: 'strict',
    as: 'fresh viewer',
    operation: { query: '{ me { kind } }' },
    times: 4,
    code: 'RATE_LIMITED',
    status: 429,
    check: (o) => {
      expect(firstError(o).extensions).toMatchObject({ rule: 'requests' });
      expect(firstError(o).extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      if (o.transport === 'http') expect(Number(o.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    },
  },
  {
    name: 'an internal error',
    operation: { query: '{ crash }' },
    code: 'INTERNAL_SERVER_ERROR',
    status: 200,
    check: (o) => {
      expect(firstError(o).message).toBe(maskedMessage);
      expect(firstError(o).extensions?.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.stringify(o)).not.toMatch(/secrets|10\.0\.0\.5/);
    },
  },
  {
    name: 'a coded error',
    operation: { query: '{ refuse }' },
    code: 'BAD_USER_INPUT',
    status: 200,
    check: (o) => {
      expect(firstError(o)).toMatchObject({ message: 'limit must be positive', extensions: { code: 'BAD_USER_INPUT' } });
      expect(firstError(o).extensions?.requestId).toBeUndefined();
    },
  },
];
