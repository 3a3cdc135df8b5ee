import { Redis } from 'ioredis';
import { GraphQLError } from 'graphql';
import { errorMessage } from '../../core/errors.ts';
import { RateLimitRuleName, type RateLimitConfig } from './config.ts';
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimitDecision, type RateLimiter, type RateLimitLogger } from './rate-limiter.ts';
import type { RateLimitIdentity } from './subject.ts';

export {
  createMemoryRateLimiter,
  createRedisRateLimiter,
  defaultDeniedRetryAfterMs,
  defaultMaxSubjects,
  defaultRedisCooldownMs,
  defaultRedisDownPolicy,
  defaultRedisTimeoutMs,
  type MemoryRateLimiter,
  type MemoryRateLimiterOptions,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitLogger,
  type RateLimitRule,
  type RedisDownPolicy,
  type RedisRateLimiterOptions,
} from './rate-limiter.ts';
export { loadRateLimitConfig, rateLimitEnvironment, RateLimitRuleName, type RateLimitConfig } from './config.ts';
export { normalizeIp, rateLimitSubject, type RateLimitIdentity } from './subject.ts';

/** The `extensions.code` of a refusal, over HTTP (with status 429) and over graphql-ws. */
export const rateLimitedCode = 'RATE_LIMITED';

/**
 * The limiter for a deployment: in Redis (shared by every instance) when `redisUrl` is set, in memory otherwise.
 * The Redis client is the limiter's own (closed by `close()`), with `commandTimeout` = the configured timeout and
 * one retry per request, so that nothing waits on a stalled or stopped Redis, not even in ioredis's queues.
 */
export function createRateLimiter(options: {
  config: RateLimitConfig;
  redisUrl: string | undefined;
  /** REDIS_PREFIX, e.g. 'tessera:'; keys are `<redisPrefix>rate-limit:{<subject>}:<rule>`. */
  redisPrefix: string;
  logger: RateLimitLogger;
}): RateLimiter {
  const { config, logger } = options;
  if (!options.redisUrl) return createMemoryRateLimiter(config.rules);
  const redis = new Redis(options.redisUrl, {
    connectionName: 'tessera-rate-limit',
    commandTimeout: config.redisTimeoutMs,
    maxRetriesPerRequest: 1,
  });
  let lastErrorLogAt = Number.NEGATIVE_INFINITY;
  redis.on('error', (error: unknown) => {
    // ioredis reports every failed reconnect; the limiter logs the outage itself, this is its cause, now and then.
    const now = Date.now();
    if (now - lastErrorLogAt < 10_000) return;
    lastErrorLogAt = now;
    logger.warn({ err: error, role: 'rate-limit' }, `redis connection error: ${errorMessage(error)}`);
  });
  const limiter = createRedisRateLimiter({
    redis,
    prefix: `${options.redisPrefix}rate-limit:`,
    rules: config.rules,
    timeoutMs: config.redisTimeoutMs,
    onRedisDown: config.onRedisDown,
    logger,
  });
  return {
    kind: 'redis',
    consume: (subject, amounts) => limiter.consume(subject, amounts),
    async close() {
      await limiter.close();
      // QUIT waits for Redis; a stopped one would keep us waiting, so disconnect after a short grace.
      await Promise.race([redis.quit().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      redis.disconnect();
    },
  };
}

/**
 * The amounts of one operation for `consume`: one request (counted as 'anonymous-requests' for anonymous clients)
 * and its query cost, once known.
 */
export function rateLimitAmounts(kind: RateLimitIdentity['kind'], usage: { requests?: number; cost?: number } = {}): Record<string, number> {
  const requests = usage.requests ?? 1;
  return {
    [kind === 'anonymous' ? RateLimitRuleName.anonymousRequests : RateLimitRuleName.requests]: requests,
    ...(usage.cost === undefined ? {} : { [RateLimitRuleName.cost]: usage.cost }),
  };
}

/** The Retry-After header value of a refusal: whole seconds, rounded up, at least 1. */
export function retryAfterHeader(decision: Pick<RateLimitDecision, 'retryAfterMs'>): string {
  const ms = Number.isFinite(decision.retryAfterMs) ? decision.retryAfterMs : 0;
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

/**
 * HTTP headers for a decision: `Retry-After` on a refusal, and `RateLimit-Limit` / `RateLimit-Remaining` of the
 * deciding rule when they are known (not when no rule applied or Redis was down).
 */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!decision.allowed) headers['retry-after'] = retryAfterHeader(decision);
  if (!decision.degraded && decision.rule !== undefined && Number.isFinite(decision.limit) && Number.isFinite(decision.remaining)) {
    headers['ratelimit-limit'] = String(decision.limit);
    headers['ratelimit-remaining'] = String(decision.remaining);
  }
  return headers;
}

function refusalMessage(decision: RateLimitDecision): string {
  const seconds = retryAfterHeader(decision);
  if (decision.degraded) return `Rate limiting is temporarily unavailable, so requests are refused. Retry after ${seconds} s.`;
  return `Rate limit exceeded (${decision.rule ?? 'requests'}: ${decision.limit} per window). Retry after ${seconds} s.`;
}

/**
 * The GraphQL error of a refusal: `extensions: { code: 'RATE_LIMITED', rule, retryAfterSeconds }`. Throw it from
 * an Apollo plugin hook with `extensions.http` (status 429 and `rateLimitHeaders`), or return `[error]` from
 * graphql-ws's `onSubscribe`.
 */
export function rateLimitedError(decision: RateLimitDecision, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(refusalMessage(decision), {
    extensions: {
      code: rateLimitedCode,
      ...(decision.rule === undefined ? {} : { rule: decision.rule }),
      retryAfterSeconds: Number(retryAfterHeader(decision)),
      ...extensions,
    },
  });
}

/** A complete 429 response for code that answers HTTP itself (outside Apollo): status, headers and JSON body. */
export function rateLimitedResponse(decision: RateLimitDecision): {
  status: 429;
  headers: Record<string, string>;
  body: { errors: { message: string; extensions: Record<string, unknown> }[] };
} {
  return {
    status: 429,
    headers: { ...rateLimitHeaders(decision), 'content-type': 'application/json; charset=utf-8' },
    body: {
      errors: [
        {
          message: refusalMessage(decision),
          extensions: {
            code: rateLimitedCode,
            ...(decision.rule === undefined ? {} : { rule: decision.rule }),
            retryAfterSeconds: Number(retryAfterHeader(decision)),
          },
        },
      ],
    },
  };
}
