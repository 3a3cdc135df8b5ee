import { GraphQLError, type ASTNode } from 'graphql';
import type { QueryLimits } from './query-limits.ts';

/** The `extensions.code` of every query-limit error. */
export const queryLimitErrorCode = 'QUERY_LIMIT_EXCEEDED';

/** `extensions` of a query-limit error: which limit, its value, and the request's value. */
export interface QueryLimitErrorExtensions {
  code: typeof queryLimitErrorCode;
  limit: keyof QueryLimits;
  max: number;
  actual: number;
}

/** A client error for a request over one of the limits; `message` says the limit, the value and the fix. */
export function queryLimitError(
  limit: keyof QueryLimits,
  max: number,
  actual: number,
  message: string,
  nodes?: ASTNode | readonly ASTNode[],
): GraphQLError {
  const extensions: QueryLimitErrorExtensions = { code: queryLimitErrorCode, limit, max, actual };
  return new GraphQLError(message, { ...(nodes === undefined ? {} : { nodes }), extensions: { ...extensions } });
}
