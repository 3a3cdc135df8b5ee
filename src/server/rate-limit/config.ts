import { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { defaultRedisDownPolicy, defaultRedisTimeoutMs, type RateLimitRule, type RedisDownPolicy } from './rate-limiter.ts';

/** Environment variables of rate limiting (variable → description, for the README). */
export const rateLimitEnvironment: Record<string, string> = {
  TESSERA_RATE_LIMIT_REQUESTS: 'Requests per minute per API key or user (default 600; 0 = no limit)',
  TESSERA_RATE_LIMIT_COST:
    'Query cost per minute per API key, user or anonymous IP (default 10000000, ten queries at the largest cost allowed; 0 = no limit)',
  TESSERA_RATE_LIMIT_ANONYMOUS_REQUESTS: 'Requests per minute per IP address of anonymous clients (default 120; 0 = no limit)',
  TESSERA_RATE_LIMIT_FAILED_AUTH:
    'Refused credentials per minute per IP address (default 20; 0 = no limit); past it, that address gets 429 without its credentials being checked, and no more audit rows, until the window ends',
  TESSERA_RATE_LIMIT_REDIS_TIMEOUT_MS: 'How long a rate limit check waits for Redis before applying TESSERA_RATE_LIMIT_ON_REDIS_DOWN (default 100)',
  TESSERA_RATE_LIMIT_WINDOW_MS: 'Length of a rate limit window in ms; the limits above count per window (default 60000)',
  TESSERA_RATE_LIMIT_ON_REDIS_DOWN:
    'When Redis fails or is slower than the timeout: allow (serve unmetered, log a warning; default) or deny (refuse with Retry-After)',
};

/** The names of the rules in `consume(subject, amounts)`; see `rateLimitAmounts`. */
export const RateLimitRuleName = {
  /** Requests of an API key or a signed-in user. */
  requests: 'requests',
  /** Requests of an anonymous client, per IP address. */
  anonymousRequests: 'anonymous-requests',
  /** Query cost, of every subject (key, user or anonymous IP). */
  cost: 'cost',
  /** Refused credentials, per IP address. */
  failedAuthentications: 'failed-authentications',
} as const;

export interface RateLimitConfig {
  /** Per minute per API key or user; 0 = no limit. */
  requestsPerMinute: number;
  /** Query cost per minute per subject; 0 = no limit. */
  costPerMinute: number;
  /** Per minute per anonymous IP; 0 = no limit. */
  anonymousRequestsPerMinute: number;
  /** Refused credentials per minute per IP; 0 = no limit. */
  failedAuthPerMinute: number;
  redisTimeoutMs: number;
  onRedisDown: RedisDownPolicy;
  /** The enabled rules (limits of 0 left out), for createRateLimiter / createMemoryRateLimiter. */
  rules: RateLimitRule[];
}

const limit = (fallback: number) =>
  z.coerce
    .number({ error: 'expected a whole number ≥ 0 (0 = no limit)' })
    .int({ error: 'expected a whole number ≥ 0 (0 = no limit)' })
    .min(0)
    .default(fallback);

const rateLimitSchema = z.object({
  TESSERA_RATE_LIMIT_REQUESTS: limit(600),
  // Ten operations at TESSERA_MAX_COST a minute: a heavy but legal query must never exhaust the budget alone.
  TESSERA_RATE_LIMIT_COST: limit(10_000_000),
  TESSERA_RATE_LIMIT_ANONYMOUS_REQUESTS: limit(120),
  TESSERA_RATE_LIMIT_FAILED_AUTH: limit(20),
  TESSERA_RATE_LIMIT_REDIS_TIMEOUT_MS: z.coerce
    .number({ error: 'expected a number of milliseconds' })
    .int({ error: 'expected a whole number of milliseconds' })
    .min(1)
    .max(60_000)
    .default(defaultRedisTimeoutMs),
  TESSERA_RATE_LIMIT_WINDOW_MS: z.coerce.number({ error: 'expected a number of milliseconds' }).int().min(100).max(3_600_000).default(60_000),
  TESSERA_RATE_LIMIT_ON_REDIS_DOWN: z.enum(['allow', 'deny'], { error: 'expected allow or deny' }).default(defaultRedisDownPolicy),
});

/** Reads and validates the rate limit settings; empty strings count as unset. Throws ConfigError naming the variable. */
export function loadRateLimitConfig(env: NodeJS.ProcessEnv = process.env): RateLimitConfig {
  const input = Object.fromEntries(Object.keys(rateLimitEnvironment).map((key) => [key, env[key]?.trim() === '' ? undefined : env[key]?.trim()]));
  const parsed = rateLimitSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment: ${problems.join('; ')}. Fix these variables (see README, Configuration).`, {
      details: { variables: parsed.error.issues.map((issue) => issue.path.join('.')) },
    });
  }
  const c = parsed.data;
  const rules: RateLimitRule[] = [
    { name: RateLimitRuleName.requests, limit: c.TESSERA_RATE_LIMIT_REQUESTS, windowMs: c.TESSERA_RATE_LIMIT_WINDOW_MS },
    { name: RateLimitRuleName.anonymousRequests, limit: c.TESSERA_RATE_LIMIT_ANONYMOUS_REQUESTS, windowMs: c.TESSERA_RATE_LIMIT_WINDOW_MS },
    { name: RateLimitRuleName.cost, limit: c.TESSERA_RATE_LIMIT_COST, windowMs: c.TESSERA_RATE_LIMIT_WINDOW_MS },
    { name: RateLimitRuleName.failedAuthentications, limit: c.TESSERA_RATE_LIMIT_FAILED_AUTH, windowMs: c.TESSERA_RATE_LIMIT_WINDOW_MS },
  ].filter((rule) => rule.limit > 0);
  return {
    requestsPerMinute: c.TESSERA_RATE_LIMIT_REQUESTS,
    costPerMinute: c.TESSERA_RATE_LIMIT_COST,
    anonymousRequestsPerMinute: c.TESSERA_RATE_LIMIT_ANONYMOUS_REQUESTS,
    failedAuthPerMinute: c.TESSERA_RATE_LIMIT_FAILED_AUTH,
    redisTimeoutMs: c.TESSERA_RATE_LIMIT_REDIS_TIMEOUT_MS,
    onRedisDown: c.TESSERA_RATE_LIMIT_ON_REDIS_DOWN,
    rules,
  };
}
