import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { TesseraError } from '../core/errors.ts';

/** The message clients see for errors they must not see the details of. */
export const maskedMessage = 'Internal server error. Quote the requestId in extensions when you report it.';

/** Codes graphql-js and Apollo attach to client mistakes (bad query, bad variables): shown as they are. */
const clientErrorCodes = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_IN_SAFELIST',
  'OPERATION_RESOLUTION_FAILURE',
  'QUERY_LIMIT_EXCEEDED',
  'RATE_LIMITED',
]);

/** Extensions clients may see besides the code (which limit, by how much; when to retry). */
const publicExtensions = ['limit', 'max', 'actual', 'rule', 'retryAfterSeconds'];

function clientExtensions(code: string, extensions: Record<string, unknown> | undefined): Record<string, unknown> {
  const kept: Record<string, unknown> = { code };
  for (const key of publicExtensions) if (extensions?.[key] !== undefined) kept[key] = extensions[key];
  return kept;
}

/**
 * Shapes every GraphQL error: Tessera's errors carry their code; client mistakes keep their message; anything
 * else is masked (no stack, no SQL) and logged once by the server with the request id.
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = originalOf(error);
  if (original instanceof TesseraError) {
    return {
      message: original.exposeToClient ? original.message : maskedMessage,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: original.exposeToClient ? original.code : 'INTERNAL_SERVER_ERROR' },
    };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && clientErrorCodes.has(code)) {
    const wrapped = original instanceof GraphQLError ? (original.originalError ?? original) : undefined;
    const inner = wrapped instanceof GraphQLError ? (wrapped.extensions as Record<string, unknown>) : undefined;
    // A query-limit error keeps its own code even where Apollo files it under GRAPHQL_VALIDATION_FAILED.
    const effective = inner?.code === 'QUERY_LIMIT_EXCEEDED' ? 'QUERY_LIMIT_EXCEEDED' : code;
    return { ...formatted, extensions: clientExtensions(effective, { ...formatted.extensions, ...inner }) };
  }
  // GraphQL errors raised on purpose by resolvers or scalars (e.g. a bad literal) are client errors too.
  if (original instanceof GraphQLError && original.originalError === undefined && code === undefined) {
    return { ...formatted, extensions: { code: 'BAD_USER_INPUT' } };
  }
  return {
    message: maskedMessage,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/** Whether an error is one the server must log (client mistakes are not logged as errors). */
export function isInternalError(error: unknown): boolean {
  const original = originalOf(error);
  if (original instanceof TesseraError) return !original.exposeToClient;
  if (original instanceof GraphQLError) {
    const code = original.extensions?.code;
    if (typeof code === 'string' && clientErrorCodes.has(code)) return false;
    return original.originalError !== undefined;
  }
  return true;
}

/**
 * The error behind a GraphQL error: a resolver's (unwrapped as Apollo does), or a Tessera error raised outside
 * execution (refused credentials, a plugin hook) and carried as `originalError`.
 */
function originalOf(error: unknown): unknown {
  const original = unwrapResolverError(error);
  if (original instanceof GraphQLError && original.originalError instanceof TesseraError) return original.originalError;
  return original;
}
