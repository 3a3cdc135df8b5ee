import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, type RedisOptions } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import {
  createMemoryRateLimiter,
  createRateLimiter,
  createRedisRateLimiter,
  loadRateLimitConfig,
  rateLimitAmounts,
  rateLimitedError,
  rateLimitedResponse,
  rateLimitEnvironment,
  rateLimitHeaders,
  rateLimitSubject,
  retryAfterHeader,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitRule,
} from '../../src/server/rate-limit/index.ts';
import { redisUrl } from '../helpers/services.ts';

const requests = (limit: number, windowMs = 300): RateLimitRule => ({ name: 'requests', limit, windowMs });
const cost = (limit: number, windowMs = 300): RateLimitRule => ({ name: 'cost', limit, windowMs });

function fakeLogger() {
  return { warn: vi.fn<(details: object, message: string) => void>(), info: vi.fn<(details: object, message: string) => void>() };
}

/** Runs `fn` and returns its result with how long it took. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

async function consumeMany(limiter: RateLimiter, subject: string, count: number, amounts: Record<string, number> = { requests: 1 }) {
  const decisions: RateLimitDecision[] = [];
  for (let i = 0; i < count; i++) decisions.push(await limiter.consume(subject, amounts));
  return decisions;
}

describe('memory rate limiter', () => {
  it('allows the limit, then refuses with a sensible retryAfterMs, and allows again once it has passed', async () => {
    const limiter = createMemoryRateLimiter([requests(3, 300)]);
    const allowed = await consumeMany(limiter, 'key:a', 3);
    expect(allowed.map((d) => d.allowed)).toEqual([true, true, true]);
    expect(allowed.map((d) => d.remaining)).toEqual([2, 1, 0]);
    expect(allowed[0]).toMatchObject({ rule: 'requests', limit: 3, retryAfterMs: 0 });

    const refused = await limiter.consume('key:a', { requests: 1 });
    expect(refused).toMatchObject({ allowed: false, rule: 'requests', limit: 3, remaining: 0 });
    // All 3 are in the current window: the request passes once the next window has begun and the weight of
    // this one has fallen to 2/3, i.e. between 1/3 and 4/3 of a window from now.
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(400);

    await sleep(refused.retryAfterMs + 10);
    expect((await limiter.consume('key:a', { requests: 1 })).allowed).toBe(true);

    // Two windows later nothing is left of the past: the whole limit again.
    await sleep(600);
    expect((await consumeMany(limiter, 'key:a', 3)).every((d) => d.allowed)).toBe(true);
    expect((await limiter.consume('key:a', { requests: 1 })).allowed).toBe(false);
  });

  it('weighs the previous window by how much of it still overlaps (sliding window counter)', async () => {
    let now = 1_000;
    const limiter = createMemoryRateLimiter([requests(3, 1_000)], { now: () => now });
    expect((await consumeMany(limiter, 'key:a', 3)).every((d) => d.allowed)).toBe(true);
    const refused = await limiter.consume('key:a', { requests: 1 });
    // Next window starts at 2000; 3 × (1 − f) + 1 ≤ 3 from f = 1/3, i.e. at 2333.3.
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: 1_334 });
    now = 2_200;
    expect(await limiter.consume('key:a', { requests: 1 })).toMatchObject({ allowed: false, retryAfterMs: 134 });
    now = 1_000 + refused.retryAfterMs;
    expect(await limiter.consume('key:a', { requests: 1 })).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.consume('key:a', { requests: 1 })).allowed).toBe(false);
  });

  it('keeps requests and cost independent, counts all rules or none, and reports the most restrictive rule', async () => {
    const limiter = createMemoryRateLimiter([requests(10, 60_000), cost(100, 60_000)]);
    expect(await limiter.consume('key:a', { requests: 1, cost: 60 })).toMatchObject({ allowed: true, rule: 'cost', remaining: 40 });
    const refused = await limiter.consume('key:a', { requests: 1, cost: 60 });
    expect(refused).toMatchObject({ allowed: false, rule: 'cost', limit: 100, remaining: 40 });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    // The refused consume counted nothing: 1 request used so far, 8 left after this one.
    expect(await limiter.consume('key:a', { requests: 1 })).toMatchObject({ allowed: true, rule: 'requests', remaining: 8 });
    // A cheap query still fits the cost budget.
    expect(await limiter.consume('key:a', { requests: 1, cost: 40 })).toMatchObject({ allowed: true, remaining: 0 });

    const requestsOnly = createMemoryRateLimiter([requests(2, 60_000), cost(1_000, 60_000)]);
    await consumeMany(requestsOnly, 'key:b', 2, { requests: 1, cost: 1 });
    expect(await requestsOnly.consume('key:b', { requests: 1, cost: 1 })).toMatchObject({ allowed: false, rule: 'requests' });
    expect(await requestsOnly.consume('key:b', { cost: 500 })).toMatchObject({ allowed: true, rule: 'cost', remaining: 498 });
  });

  it('refuses with the longest wait when several rules refuse', async () => {
    let now = 0;
    const limiter = createMemoryRateLimiter([requests(1, 1_000), cost(10, 10_000)], { now: () => now });
    await limiter.consume('key:a', { requests: 1, cost: 10 });
    now = 100;
    const refused = await limiter.consume('key:a', { requests: 1, cost: 10 });
    expect(refused).toMatchObject({ allowed: false, rule: 'cost' });
    expect(refused.retryAfterMs).toBeGreaterThan(10_000);
  });

  it('keeps subjects independent', async () => {
    const limiter = createMemoryRateLimiter([requests(2, 60_000)]);
    await consumeMany(limiter, 'key:a', 2);
    expect((await limiter.consume('key:a', { requests: 1 })).allowed).toBe(false);
    expect((await limiter.consume('key:b', { requests: 1 })).allowed).toBe(true);
    expect((await limiter.consume('ip:1.2.3.4', { requests: 1 })).allowed).toBe(true);
  });

  it('ignores disabled rules and zero amounts, and rejects invalid amounts', async () => {
    const limiter = createMemoryRateLimiter([requests(1, 60_000)]);
    expect(await limiter.consume('key:a', { cost: 1_000_000 })).toMatchObject({ allowed: true, limit: Infinity, retryAfterMs: 0 });
    expect(await limiter.consume('key:a', { requests: 0 })).toMatchObject({ allowed: true });
    expect(limiter.size()).toBe(0);
    await expect(limiter.consume('key:a', { requests: -1 })).rejects.toThrow(RangeError);
    await expect(limiter.consume('key:a', { requests: Number.NaN })).rejects.toThrow(RangeError);
    // More than the whole limit can never pass: refused, with one window as the wait.
    expect(await limiter.consume('key:a', { requests: 2 })).toMatchObject({ allowed: false, retryAfterMs: 60_000 });
    expect(() => createMemoryRateLimiter([requests(0)])).toThrow(RangeError);
    expect(() => createMemoryRateLimiter([requests(1), requests(2)])).toThrow(/twice/);
  });

  it('stays bounded: at most maxSubjects tracked (least recently used dropped) and expired entries swept', async () => {
    const limiter = createMemoryRateLimiter([requests(5, 60_000)]);
    for (let i = 0; i < 200_000; i++) await limiter.consume(`ip:${i}`, { requests: 1 });
    expect(limiter.size()).toBe(100_000);
    // The most recent subjects are still counted.
    expect(await limiter.consume('ip:199999', { requests: 1 })).toMatchObject({ allowed: true, remaining: 3 });
    await limiter.close();
    expect(limiter.size()).toBe(0);

    let now = 0;
    const expiring = createMemoryRateLimiter([requests(5, 1_000)], { now: () => now });
    for (let i = 0; i < 10; i++) await expiring.consume(`ip:${i}`, { requests: 1 });
    expect(expiring.size()).toBe(10);
    now = 2_001;
    await expiring.consume('ip:other', { requests: 1 });
    expect(expiring.size()).toBe(1);
  });
});

describe('rate limit config', () => {
  it('has defaults', () => {
    const config = loadRateLimitConfig({});
    expect(config).toMatchObject({
      requestsPerMinute: 600,
      costPerMinute: 10_000_000,
      anonymousRequestsPerMinute: 120,
      failedAuthPerMinute: 20,
      redisTimeoutMs: 100,
      onRedisDown: 'allow',
    });
    expect(config.rules).toEqual([
      { name: 'requests', limit: 600, windowMs: 60_000 },
      { name: 'anonymous-requests', limit: 120, windowMs: 60_000 },
      { name: 'cost', limit: 10_000_000, windowMs: 60_000 },
      { name: 'failed-authentications', limit: 20, windowMs: 60_000 },
    ]);
    expect(Object.keys(rateLimitEnvironment).sort()).toEqual([
      'TESSERA_RATE_LIMIT_ANONYMOUS_REQUESTS',
      'TESSERA_RATE_LIMIT_COST',
      'TESSERA_RATE_LIMIT_FAILED_AUTH',
      'TESSERA_RATE_LIMIT_ON_REDIS_DOWN',
      'TESSERA_RATE_LIMIT_REDIS_TIMEOUT_MS',
      'TESSERA_RATE_LIMIT_REQUESTS',
      'TESSERA_RATE_LIMIT_WINDOW_MS',
    ]);
  });

  it('reads the environment; 0 disables a rule; empty means default', () => {
    const config = loadRateLimitConfig({
      TESSERA_RATE_LIMIT_REQUESTS: '50',
      TESSERA_RATE_LIMIT_COST: '0',
      TESSERA_RATE_LIMIT_ANONYMOUS_REQUESTS: '',
      TESSERA_RATE_LIMIT_FAILED_AUTH: '0',
      TESSERA_RATE_LIMIT_REDIS_TIMEOUT_MS: '250',
      TESSERA_RATE_LIMIT_ON_REDIS_DOWN: 'deny',
    });
    expect(config).toMatchObject({
      requestsPerMinute: 50,
      costPerMinute: 0,
      anonymousRequestsPerMinute: 120,
      redisTimeoutMs: 250,
      onRedisDown: 'deny',
    });
    expect(config.rules.map((rule) => rule.name)).toEqual(['requests', 'anonymous-requests']);
  });

  it.each([
    ['TESSERA_RATE_LIMIT_REQUESTS', 'many'],
    ['TESSERA_RATE_LIMIT_COST', '-1'],
    ['TESSERA_RATE_LIMIT_ANONYMOUS_REQUESTS', '1.5'],
    ['TESSERA_RATE_LIMIT_REDIS_TIMEOUT_MS', '0'],
    ['TESSERA_RATE_LIMIT_ON_REDIS_DOWN', 'maybe'],
  ])('refuses %s=%s with a ConfigError naming the variable', (variable, value) => {
    expect(() => loadRateLimitConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadRateLimitConfig({ [variable]: value })).toThrow(variable);
  });
});

describe('rate limit subjects and responses', () => {
  it('names subjects by key, user or IP, with IPv4-mapped addresses normalised', () => {
    expect(rateLimitSubject({ kind: 'key', id: 'abc' }, '10.0.0.1')).toBe('key:abc');
    expect(rateLimitSubject({ kind: 'user', id: 'u1' }, '10.0.0.1')).toBe('user:u1');
    expect(rateLimitSubject({ kind: 'anonymous', id: '' }, '10.0.0.1')).toBe('ip:10.0.0.1');
    expect(rateLimitSubject({ kind: 'anonymous', id: '' }, '::ffff:1.2.3.4')).toBe('ip:1.2.3.4');
    expect(rateLimitSubject({ kind: 'anonymous', id: '' }, '::FFFF:1.2.3.4')).toBe('ip:1.2.3.4');
    expect(rateLimitSubject({ kind: 'anonymous', id: '' }, '0:0:0:0:0:ffff:1.2.3.4')).toBe('ip:1.2.3.4');
    expect(rateLimitSubject({ kind: 'anonymous', id: '' }, '2001:DB8::1')).toBe('ip:2001:db8::1');
    expect(rateLimitSubject({ kind: 'anonymous', id: '' }, '::1')).toBe('ip:::1');
  });

  it('builds amounts, Retry-After and the 429 / GraphQL error', () => {
    expect(rateLimitAmounts('key', { cost: 120 })).toEqual({ requests: 1, cost: 120 });
    expect(rateLimitAmounts('anonymous')).toEqual({ 'anonymous-requests': 1 });

    expect(retryAfterHeader({ retryAfterMs: 0 })).toBe('1');
    expect(retryAfterHeader({ retryAfterMs: 1 })).toBe('1');
    expect(retryAfterHeader({ retryAfterMs: 1_000 })).toBe('1');
    expect(retryAfterHeader({ retryAfterMs: 1_001 })).toBe('2');

    const refused: RateLimitDecision = { allowed: false, rule: 'cost', limit: 100, remaining: 3, retryAfterMs: 12_345 };
    expect(rateLimitHeaders(refused)).toEqual({ 'retry-after': '13', 'ratelimit-limit': '100', 'ratelimit-remaining': '3' });
    expect(rateLimitHeaders({ allowed: true, limit: Infinity, remaining: Infinity, retryAfterMs: 0 })).toEqual({});
    const response = rateLimitedResponse(refused);
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('13');
    expect(response.body.errors[0]?.extensions).toEqual({ code: 'RATE_LIMITED', rule: 'cost', retryAfterSeconds: 13 });
    const error = rateLimitedError(refused);
    expect(error.message).toMatch(/Retry after 13 s/);
    expect(error.extensions).toEqual({ code: 'RATE_LIMITED', rule: 'cost', retryAfterSeconds: 13 });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Redis unavailable: no Redis server needed (a closed port, a server that never answers), so these always run.

describe('redis rate limiter when Redis is unavailable', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function client(url: string, options: RedisOptions = {}): Redis {
    const redis = new Redis(url, { connectTimeout: 500, retryStrategy: () => 200, ...options });
    redis.on('error', () => {});
    cleanups.push(() => redis.disconnect());
    return redis;
  }

  /** A TCP server that accepts connections and never answers: a stalled Redis. */
  async function stalledServer(): Promise<string> {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return `redis://127.0.0.1:${address.port}`;
  }

  it("answers 'allow' (degraded) fast on a closed port, and warns once, not per request", async () => {
    const logger = fakeLogger();
    const limiter = createRedisRateLimiter({
      redis: client('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false }),
      prefix: 'test:',
      rules: [requests(5, 60_000)],
      timeoutMs: 100,
      onRedisDown: 'allow',
      logger,
      cooldownMs: 0,
    });
    const { value: decisions, ms } = await timed(() => Promise.all(Array.from({ length: 20 }, () => limiter.consume('key:a', { requests: 1 }))));
    expect(decisions).toHaveLength(20);
    for (const decision of decisions) expect(decision).toMatchObject({ allowed: true, degraded: true, retryAfterMs: 0 });
    expect(ms).toBeLessThan(2_000);
    const sequential = await timed(() => consumeMany(limiter, 'key:a', 20));
    expect(sequential.value.every((d) => d.allowed && d.degraded)).toBe(true);
    expect(sequential.ms).toBeLessThan(2_000);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]?.[1]).toMatch(/Redis unavailable/);
  });

  it("answers 'deny' with a refusal and a retry delay on a closed port", async () => {
    const limiter = createRedisRateLimiter({
      redis: client('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false }),
      prefix: 'test:',
      rules: [requests(5, 60_000)],
      onRedisDown: 'deny',
      logger: fakeLogger(),
    });
    const { value: decisions, ms } = await timed(() => Promise.all(Array.from({ length: 20 }, () => limiter.consume('key:a', { requests: 1 }))));
    for (const decision of decisions) expect(decision).toMatchObject({ allowed: false, degraded: true, retryAfterMs: 1_000 });
    expect(ms).toBeLessThan(2_000);
    expect(rateLimitHeaders(decisions[0] as RateLimitDecision)).toEqual({ 'retry-after': '1' });
  });

  it.each([
    ['still handshaking', {}],
    ['ready, commands unanswered', { enableReadyCheck: false }],
  ] as const)('does not hang on a stalled Redis (%s): answers per onRedisDown within the timeout budget', async (_name, options) => {
    const url = await stalledServer();
    for (const policy of ['allow', 'deny'] as const) {
      const limiter = createRedisRateLimiter({
        redis: client(url, options),
        prefix: 'test:',
        rules: [requests(5, 60_000)],
        timeoutMs: 100,
        onRedisDown: policy,
        logger: fakeLogger(),
        cooldownMs: 0,
      });
      const { value: decisions, ms } = await timed(() => Promise.all(Array.from({ length: 20 }, () => limiter.consume('key:a', { requests: 1 }))));
      for (const decision of decisions) expect(decision).toMatchObject({ allowed: policy === 'allow', degraded: true });
      expect(ms).toBeGreaterThanOrEqual(90);
      expect(ms).toBeLessThan(2_000);
    }
  });

  it('skips Redis during the cooldown after a failure, so an outage costs no latency per request', async () => {
    const url = await stalledServer();
    const limiter = createRedisRateLimiter({
      redis: client(url, { enableReadyCheck: false }),
      prefix: 'test:',
      rules: [requests(5, 60_000)],
      timeoutMs: 100,
      logger: fakeLogger(),
    });
    // Sequentially, 20 × 100 ms without the cooldown; with it, only the first waits.
    const { value: decisions, ms } = await timed(() => consumeMany(limiter, 'key:a', 20));
    expect(decisions.every((d) => d.allowed && d.degraded)).toBe(true);
    expect(ms).toBeLessThan(1_000);
  });

  it('createRateLimiter with a REDIS_URL that does not answer resolves within the budget', async () => {
    const logger = fakeLogger();
    for (const url of ['redis://127.0.0.1:1', await stalledServer()]) {
      const limiter = createRateLimiter({
        config: loadRateLimitConfig({ TESSERA_RATE_LIMIT_REDIS_TIMEOUT_MS: '100' }),
        redisUrl: url,
        redisPrefix: 'test:',
        logger,
      });
      cleanups.push(() => limiter.close());
      expect(limiter.kind).toBe('redis');
      const { value: decisions, ms } = await timed(() =>
        Promise.all(Array.from({ length: 20 }, () => limiter.consume('key:a', rateLimitAmounts('key', { cost: 10 })))),
      );
      for (const decision of decisions) expect(decision).toMatchObject({ allowed: true, degraded: true });
      expect(ms).toBeLessThan(2_000);
    }
  });

  it('createRateLimiter without a REDIS_URL is in memory', async () => {
    const limiter = createRateLimiter({ config: loadRateLimitConfig({}), redisUrl: undefined, redisPrefix: 'test:', logger: fakeLogger() });
    expect(limiter.kind).toBe('memory');
    expect(await limiter.consume('ip:1.2.3.4', rateLimitAmounts('anonymous'))).toMatchObject({ allowed: true, limit: 120, remaining: 119 });
    await limiter.close();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// A real Redis (REDIS_URL).

describe.each(redisUrl ? ['redis'] : [])('%s rate limiter', () => {
  const url = redisUrl as string;
  const cleanups: (() => Promise<unknown> | void)[] = [];
  let prefix = '';

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function client(): Redis {
    const redis = new Redis(url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    cleanups.push(() => redis.quit());
    return redis;
  }

  /** A fresh key prefix for this test, whose keys are deleted afterwards. */
  function freshPrefix(): string {
    prefix = `tessera-test:rate-limit:${randomUUID()}:`;
    const admin = client();
    cleanups.push(async () => {
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length) await admin.del(...keys);
    });
    return prefix;
  }

  it('lets exactly the limit through across two instances under 200 concurrent consumes', async () => {
    const prefix = freshPrefix();
    const rules = [requests(50, 60_000), cost(10_000, 60_000)];
    const a = createRedisRateLimiter({ redis: client(), prefix, rules, logger: fakeLogger(), timeoutMs: 2_000 });
    const b = createRedisRateLimiter({ redis: client(), prefix, rules, logger: fakeLogger(), timeoutMs: 2_000 });
    expect(a.kind).toBe('redis');
    const decisions = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).consume('key:shared', { requests: 1, cost: 10 })));
    expect(decisions.filter((d) => d.degraded)).toHaveLength(0);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(50);
    const refused = decisions.find((d) => !d.allowed);
    expect(refused).toMatchObject({ rule: 'requests', limit: 50, remaining: 0 });
    expect(refused?.retryAfterMs).toBeGreaterThan(0);
    expect(refused?.retryAfterMs).toBeLessThanOrEqual(120_000);
    // The cost of refused consumes was not counted: 50 × 10.
    expect(await a.consume('key:shared', { cost: 1 })).toMatchObject({ allowed: true, rule: 'cost', remaining: 10_000 - 501 });
    // Other subjects are independent.
    expect((await b.consume('key:other', { requests: 1 })).allowed).toBe(true);
  });

  it('lets exactly the cost budget through under concurrency', async () => {
    const prefix = freshPrefix();
    const rules = [cost(1_000, 60_000)];
    const a = createRedisRateLimiter({ redis: client(), prefix, rules, logger: fakeLogger(), timeoutMs: 2_000 });
    const b = createRedisRateLimiter({ redis: client(), prefix, rules, logger: fakeLogger(), timeoutMs: 2_000 });
    const decisions = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).consume('user:u', { cost: 30 })));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(33);
  });

  it('refuses with retryAfterMs and allows again after it; keys expire', async () => {
    const prefix = freshPrefix();
    const redis = client();
    const limiter = createRedisRateLimiter({ redis, prefix, rules: [requests(3, 300)], logger: fakeLogger(), timeoutMs: 2_000 });
    expect((await consumeMany(limiter, 'key:a', 3)).map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
    ]);
    const refused = await limiter.consume('key:a', { requests: 1 });
    expect(refused).toMatchObject({ allowed: false, rule: 'requests', limit: 3 });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(400);

    const key = `${prefix}{key:a}:requests`;
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);

    await sleep(refused.retryAfterMs + 10);
    expect((await limiter.consume('key:a', { requests: 1 })).allowed).toBe(true);
    await sleep(700);
    expect(await redis.exists(key)).toBe(0);
  });

  it('recovers from an outage: logs once, then counts in Redis again', async () => {
    const prefix = freshPrefix();
    const logger = fakeLogger();
    const redis = client();
    const limiter = createRedisRateLimiter({ redis, prefix, rules: [requests(5, 60_000)], logger, timeoutMs: 2_000, cooldownMs: 0 });
    // A script error stands in for an outage: the key holds a string where the script expects a hash.
    await redis.set(`${prefix}{key:a}:requests`, 'not a hash');
    expect(await limiter.consume('key:a', { requests: 1 })).toMatchObject({ allowed: true, degraded: true });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    await redis.del(`${prefix}{key:a}:requests`);
    expect(await limiter.consume('key:a', { requests: 1 })).toMatchObject({ allowed: true, remaining: 4 });
    expect(logger.info).toHaveBeenCalledWith({}, expect.stringMatching(/answers again/));
  });
});
