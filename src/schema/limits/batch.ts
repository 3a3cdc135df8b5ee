import type { GraphQLError } from 'graphql';
import { queryLimitError } from './limit-error.ts';

/**
 * Checks an HTTP request body: a JSON array is a batch of operations, allowed up to `maxBatch` of them.
 * Anything else (one operation, or no body) passes; call it before handing the body to Apollo.
 */
export function checkBatch(body: unknown, maxBatch: number): GraphQLError | undefined {
  if (!Array.isArray(body) || body.length <= maxBatch) return undefined;
  return queryLimitError(
    'maxBatch',
    maxBatch,
    body.length,
    `Batch of ${body.length} operations exceeds the limit of ${maxBatch}: send at most ${maxBatch} operations per request, or several requests.`,
  );
}

/**
 * Checks the size of a request's variables as UTF-8 JSON. `variables` is the parsed object (POST, graphql-ws)
 * or the raw JSON string (the `variables` parameter of a GET). Absent variables pass.
 */
export function checkVariablesSize(variables: unknown, maxBytes: number): GraphQLError | undefined {
  if (variables == null) return undefined;
  const bytes = jsonBytes(variables);
  if (bytes === undefined || bytes <= maxBytes) return undefined;
  return queryLimitError(
    'maxVariablesBytes',
    maxBytes,
    bytes,
    `Variables of ${bytes} bytes exceed the limit of ${maxBytes} bytes: send fewer or smaller variables, or split the request.`,
  );
}

/** Size of a value as UTF-8 JSON; undefined when it has no JSON form (it did not come from JSON then). */
function jsonBytes(value: unknown): number | undefined {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  try {
    const json = JSON.stringify(value);
    return json === undefined ? undefined : Buffer.byteLength(json, 'utf8');
  } catch {
    return undefined;
  }
}
