import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Host } from '../cli/host.ts';
import type { Identity } from '../core/auth/identity.ts';
import { checkTokenLimit, checkVariablesSize, costError, operationCost } from '../schema/limits/index.ts';
import { rateLimitAmounts, rateLimitedError, rateLimitHeaders, rateLimitSubject, type RateLimitDecision } from './rate-limit/index.ts';

/**
 * The checks every operation passes, over HTTP and over graphql-ws alike: size (tokens, variables) before
 * parsing, cost after validation, then the rate limits of the caller by requests and by cost.
 */
export function checkSource(host: Host, source: string, variables: unknown): GraphQLError | undefined {
  return checkTokenLimit(source, host.limits.maxTokens) ?? checkVariablesSize(variables, host.limits.maxVariablesBytes);
}

export function checkOperationCost(
  host: Host,
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): { error?: GraphQLError; cost: number } {
  // One walk of the document: the cost is both checked and charged to the rate limit.
  const cost = operationCost(schema, document, operationName, variables, host.limits);
  const error = costError(cost, host.limits);
  return error ? { error, cost } : { cost };
}

export async function consumeRateLimit(
  host: Host,
  identity: Identity,
  ip: string | undefined,
  cost: number,
): Promise<{ error?: GraphQLError; decision: RateLimitDecision }> {
  const decision = await host.rateLimiter.consume(rateLimitSubject(identity, ip ?? 'unknown'), rateLimitAmounts(identity.kind, { cost }));
  if (decision.allowed) return { decision };
  return { decision, error: rateLimitedError(decision) };
}

export { rateLimitHeaders };
