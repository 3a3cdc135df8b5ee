import { GraphQLError, Kind, type GraphQLFormattedError } from 'graphql';
import { formatGraphQLError } from '../schema/errors.ts';
import { withoutSuggestions } from './request-rules.ts';

/** The code of an error clients see only masked; every such error is logged once, with the request id. */
export const internalErrorCode = 'INTERNAL_SERVER_ERROR';

/**
 * The client's view of an error, the same over HTTP and graphql-ws: internal errors masked (see
 * formatGraphQLError), coded errors with their code, suggestions removed when `hideSuggestions`. Takes the error
 * as raised (Apollo passes it as `formatError`'s second argument), not a transport's serialisation of it.
 */
export function formatOperationError(error: unknown, hideSuggestions: boolean): GraphQLFormattedError {
  const graphqlError =
    error instanceof GraphQLError ? error : new GraphQLError(String(error), error instanceof Error ? { originalError: error } : {});
  const formatted = formatGraphQLError({ ...graphqlError.toJSON(), extensions: { ...graphqlError.extensions, code: codeOf(graphqlError) } }, error);
  if (!hideSuggestions || formatted.extensions?.code === internalErrorCode) return formatted;
  return { ...formatted, message: withoutSuggestions(formatted.message) };
}

/** The formatted error with the request id a client quotes to find the log line, when it is masked. */
export function withRequestId(formatted: GraphQLFormattedError, requestId: string): GraphQLFormattedError {
  if (formatted.extensions?.code !== internalErrorCode) return formatted;
  return { ...formatted, extensions: { ...formatted.extensions, requestId } };
}

/**
 * An error's code as Apollo settles it before formatting: its own, else BAD_USER_INPUT for a variable that does
 * not coerce, else INTERNAL_SERVER_ERROR. graphql-ws hands errors over uncoded; settling them here makes one
 * error come out alike on both transports.
 */
function codeOf(error: GraphQLError): unknown {
  const own = error.extensions.code;
  if (own !== undefined) return own;
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  return node?.kind === Kind.VARIABLE_DEFINITION ? 'BAD_USER_INPUT' : internalErrorCode;
}
