import type { Redis } from 'ioredis';
import { errorMessage } from '../../core/errors.ts';

/**
 * Rate limiting by subject (`key:<id>`, `user:<id>`, `ip:<address>`, see subject.ts) with several rules at once
 * (requests, query cost, ...), in memory for one process or in Redis shared by every instance.
 *
 * Algorithm: sliding-window counter. Time is cut into fixed windows of `windowMs` per rule; each rule keeps the
 * count of the current window and of the previous one, and estimates the load of the last `windowMs` as
 *
 *     estimate = previous × (1 − elapsed fraction of the current window) + current
 *
 * A consume of `amount` is allowed when `estimate + amount ≤ limit`. This is O(1) in memory and time per rule
 * (two counters, one Redis hash), smooth at window boundaries (a fixed window lets 2 × limit through around a
 * boundary; this estimate does not), and exact within a window: the current window's count never exceeds `limit`.
 * It assumes the previous window's load was spread evenly, so a client that sent everything at the very end of the
 * previous window can get somewhat more than `limit` within one sliding `windowMs` (never 2 × limit).
 *
 * One consume checks every rule named in `amounts` and counts all of them only when all allow it (all or
 * nothing); refused attempts are not counted, so a client retrying while refused does not extend its wait.
 * `retryAfterMs` of a refusal is computed exactly: how long until the estimate has fallen enough for this same
 * request to pass (assuming nothing else is consumed meanwhile).
 */

export interface RateLimitRule {
  /** The key of this rule in `consume(subject, amounts)`, e.g. 'requests' or 'cost'. */
  name: string;
  /** At most this much per window (requests, cost points, ...); positive. */
  limit: number;
  /** The window length in ms, e.g. 60_000. */
  windowMs: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /**
   * The rule that decided: the refusing rule with the longest wait, or, when allowed, the rule with the least
   * headroom (smallest remaining / limit). Undefined when no rule applied or Redis was down.
   */
  rule?: string;
  /** The limit of `rule` (Infinity when no rule applied). */
  limit: number;
  /** What is left of `rule`'s limit after this consume (Infinity when no rule applied). */
  remaining: number;
  /** 0 when allowed; otherwise how long to wait before this same request can pass. */
  retryAfterMs: number;
  /** True when Redis could not be asked and the decision follows `onRedisDown`. */
  degraded?: boolean;
}

export interface RateLimiter {
  readonly kind: 'memory' | 'redis';
  /**
   * Counts `amounts` (rule name → amount, e.g. `{ requests: 1, cost: 1250 }`) against `subject`'s rules.
   * Names that are not rules (e.g. a disabled one) and amounts of 0 are ignored; negative or non-finite amounts
   * reject with a RangeError. Never rejects because of Redis: a Redis failure yields a degraded decision.
   */
  consume(subject: string, amounts: Record<string, number>): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

/** The logger the limiter warns through; a pino Logger fits. */
export interface RateLimitLogger {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

export type RedisDownPolicy = 'allow' | 'deny';

/**
 * Default policy when Redis does not answer in time: fail open. Rate limiting protects capacity, it is not an
 * access control (authentication and authorisation still apply to every request), and Redis is an optional
 * component elsewhere in Tessera (pub/sub), so a Redis outage should not become an API outage. The outage is
 * logged (at most every 10 s) and decisions carry `degraded: true`. Deployments that would rather refuse than
 * serve unmetered set TESSERA_RATE_LIMIT_ON_REDIS_DOWN=deny.
 */
export const defaultRedisDownPolicy: RedisDownPolicy = 'allow';
/** How long a consume waits for Redis before it answers per `onRedisDown`. */
export const defaultRedisTimeoutMs = 100;
/** After a Redis failure, consumes answer per `onRedisDown` without asking Redis for this long. */
export const defaultRedisCooldownMs = 1_000;
/** The retryAfterMs of a refusal because Redis is down (policy 'deny'). */
export const defaultDeniedRetryAfterMs = 1_000;
/** The most subjects the memory limiter tracks; the least recently used are dropped beyond it. */
export const defaultMaxSubjects = 100_000;

const warnIntervalMs = 10_000;
// Floating-point slack, so that a client waiting exactly retryAfterMs is not refused by a rounding error.
const epsilon = 1e-9;

interface RuleCheck {
  rule: RateLimitRule;
  allowed: boolean;
  remaining: number;
  retryAfterMs: number;
}

interface ActiveRule {
  rule: RateLimitRule;
  amount: number;
}

/** The counters of one rule for one subject: `current` belongs to window number `window` (= ⌊time / windowMs⌋). */
interface WindowState {
  window: number;
  current: number;
  previous: number;
}

function validateRules(rules: readonly RateLimitRule[]): RateLimitRule[] {
  const names = new Set<string>();
  for (const rule of rules) {
    if (!rule.name) throw new RangeError('rate limit rule without a name');
    if (names.has(rule.name)) throw new RangeError(`rate limit rule '${rule.name}' is defined twice`);
    names.add(rule.name);
    if (!(Number.isFinite(rule.limit) && rule.limit > 0)) throw new RangeError(`rate limit rule '${rule.name}': limit must be a positive number`);
    if (!(Number.isInteger(rule.windowMs) && rule.windowMs > 0))
      throw new RangeError(`rate limit rule '${rule.name}': windowMs must be a positive integer`);
  }
  return rules.map((rule) => ({ ...rule }));
}

function activeRules(rules: readonly RateLimitRule[], amounts: Record<string, number>): ActiveRule[] {
  for (const [name, amount] of Object.entries(amounts)) {
    if (!(Number.isFinite(amount) && amount >= 0)) throw new RangeError(`rate limit amount '${name}' must be a finite number ≥ 0, got ${amount}`);
  }
  const active: ActiveRule[] = [];
  for (const rule of rules) {
    const amount = Object.hasOwn(amounts, rule.name) ? amounts[rule.name] : undefined;
    if (amount !== undefined && amount > 0) active.push({ rule, amount });
  }
  return active;
}

/** Moves a rule's counters to window `index`: the current window becomes the previous one, older ones are gone. */
function roll(state: WindowState | undefined, index: number): { current: number; previous: number } {
  if (!state || state.window < index - 1) return { current: 0, previous: 0 };
  if (state.window === index - 1) return { current: 0, previous: state.current };
  return { current: state.current, previous: state.previous };
}

/** The sliding-window-counter check; the Lua script below is the same computation. */
function check(rule: RateLimitRule, amount: number, current: number, previous: number, now: number): RuleCheck {
  const { limit, windowMs } = rule;
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const elapsed = (now - windowStart) / windowMs;
  const estimate = previous * (1 - elapsed) + current;
  if (estimate + amount <= limit + epsilon) {
    return { rule, allowed: true, remaining: Math.max(0, Math.floor(limit - estimate - amount + epsilon)), retryAfterMs: 0 };
  }
  let passesAt: number;
  if (amount > limit) {
    // Can never pass (e.g. a query costlier than the whole budget): say "one window", the caller should refuse it anyway.
    passesAt = now + windowMs;
  } else if (current + amount > limit) {
    // Not in this window: in the next one, `current` becomes the previous count and must decay enough.
    passesAt = windowStart + windowMs + windowMs * Math.max(0, 1 - (limit - amount) / current);
  } else {
    // Later in this window, once the previous window's weight has decayed enough (previous > 0 here).
    passesAt = windowStart + windowMs * (1 - (limit - amount - current) / previous);
  }
  return {
    rule,
    allowed: false,
    remaining: Math.max(0, Math.floor(limit - estimate + epsilon)),
    retryAfterMs: Math.max(1, Math.ceil(passesAt - now)),
  };
}

function decide(checks: readonly RuleCheck[]): RateLimitDecision {
  let chosen: RuleCheck | undefined;
  for (const c of checks) {
    if (!chosen) chosen = c;
    else if (!c.allowed && (chosen.allowed || c.retryAfterMs > chosen.retryAfterMs)) chosen = c;
    else if (c.allowed && chosen.allowed && c.remaining / c.rule.limit < chosen.remaining / chosen.rule.limit) chosen = c;
  }
  if (!chosen) return unlimited();
  return {
    allowed: chosen.allowed,
    rule: chosen.rule.name,
    limit: chosen.rule.limit,
    remaining: chosen.remaining,
    retryAfterMs: chosen.retryAfterMs,
  };
}

function unlimited(): RateLimitDecision {
  return { allowed: true, limit: Number.POSITIVE_INFINITY, remaining: Number.POSITIVE_INFINITY, retryAfterMs: 0 };
}

// ---------------------------------------------------------------------------------------------------------------
// Memory

export interface MemoryRateLimiter extends RateLimiter {
  readonly kind: 'memory';
  /** How many subjects are tracked now (bounded by `maxSubjects`). */
  size(): number;
}

export interface MemoryRateLimiterOptions {
  /** Default 100 000. Beyond it the least recently seen subjects are dropped (they start afresh). */
  maxSubjects?: number;
  /** The clock, in ms; monotonic (performance.timeOrigin + performance.now()) by default. */
  now?: () => number;
}

interface SubjectEntry {
  subject: string;
  expiresAt: number;
  windows: Map<string, WindowState>;
  // The list of entries in order of last use (least recent first).
  older: SubjectEntry | undefined;
  newer: SubjectEntry | undefined;
}

/**
 * The limiter of one process. Subjects are kept in a Map for lookup and in a list in order of last use; an entry
 * expires 2 × the longest window after its last use (then both its windows are over). Expired entries are removed
 * lazily from the old end of the list on every consume, and beyond `maxSubjects` the least recently used entries
 * are dropped, so memory is bounded; every step is O(1). (The list is ours rather than the Map's insertion order
 * because iterating a Map from the front after many deletions walks over their holes: O(deletions).)
 */
export function createMemoryRateLimiter(rules: readonly RateLimitRule[], options: MemoryRateLimiterOptions = {}): MemoryRateLimiter {
  const ruleList = validateRules(rules);
  const maxSubjects = options.maxSubjects ?? defaultMaxSubjects;
  if (!(Number.isInteger(maxSubjects) && maxSubjects > 0)) throw new RangeError('maxSubjects must be a positive integer');
  const clock = options.now ?? (() => performance.timeOrigin + performance.now());
  const retentionMs = 2 * Math.max(0, ...ruleList.map((rule) => rule.windowMs));
  const subjects = new Map<string, SubjectEntry>();
  let oldest: SubjectEntry | undefined;
  let newest: SubjectEntry | undefined;

  const unlink = (entry: SubjectEntry) => {
    if (entry.older) entry.older.newer = entry.newer;
    else oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else newest = entry.older;
    entry.older = entry.newer = undefined;
  };
  const append = (entry: SubjectEntry) => {
    entry.older = newest;
    entry.newer = undefined;
    if (newest) newest.newer = entry;
    else oldest = entry;
    newest = entry;
  };
  const remove = (entry: SubjectEntry) => {
    unlink(entry);
    subjects.delete(entry.subject);
  };

  return {
    kind: 'memory',
    size: () => subjects.size,
    async consume(subject, amounts) {
      const active = activeRules(ruleList, amounts);
      if (active.length === 0) return unlimited();
      const now = clock();
      // Every entry lives retentionMs after its last use: the expired ones are at the old end.
      while (oldest && oldest.expiresAt <= now) remove(oldest);
      const entry = subjects.get(subject);
      const rolled = active.map(({ rule, amount }) => {
        const counters = roll(entry?.windows.get(rule.name), Math.floor(now / rule.windowMs));
        return { rule, amount, counters, check: check(rule, amount, counters.current, counters.previous, now) };
      });
      const checks = rolled.map((r) => r.check);
      if (checks.every((c) => c.allowed)) {
        let target = entry;
        if (!target) {
          target = { subject, expiresAt: 0, windows: new Map(), older: undefined, newer: undefined };
          subjects.set(subject, target);
          append(target);
        }
        for (const { rule, amount, counters } of rolled) {
          target.windows.set(rule.name, { window: Math.floor(now / rule.windowMs), current: counters.current + amount, previous: counters.previous });
        }
      }
      const touched = subjects.get(subject);
      if (touched) {
        touched.expiresAt = now + retentionMs;
        unlink(touched);
        append(touched);
      }
      while (subjects.size > maxSubjects && oldest) remove(oldest);
      return decide(checks);
    },
    async close() {
      subjects.clear();
      oldest = newest = undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Redis

/**
 * KEYS: one hash per rule ({ w: window number, c: current count, p: previous count }).
 * ARGV: for each rule, limit, windowMs, amount. Returns, for each rule, allowed (0/1), remaining, retryAfterMs.
 * Time is Redis's (TIME), so that instances with skewed clocks agree. All rules are checked, then all are counted
 * only if all allow: one round trip, atomic. Each written hash expires 2 × its window after its last write.
 */
const consumeScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS
local result = {}
local writes = {}
local all = true
for i = 1, n do
  local limit = tonumber(ARGV[i * 3 - 2])
  local window = tonumber(ARGV[i * 3 - 1])
  local amount = tonumber(ARGV[i * 3])
  local index = math.floor(now / window)
  local stored = redis.call('HMGET', KEYS[i], 'w', 'c', 'p')
  local w = tonumber(stored[1])
  local current = 0
  local previous = 0
  if w ~= nil then
    if w >= index then
      index = w
      current = tonumber(stored[2]) or 0
      previous = tonumber(stored[3]) or 0
    elseif w == index - 1 then
      previous = tonumber(stored[2]) or 0
    end
  end
  local start = index * window
  local elapsed = (now - start) / window
  if elapsed < 0 then elapsed = 0 end
  if elapsed > 1 then elapsed = 1 end
  local estimate = previous * (1 - elapsed) + current
  if estimate + amount <= limit + 1e-9 then
    local remaining = math.floor(limit - estimate - amount + 1e-9)
    if remaining < 0 then remaining = 0 end
    result[#result + 1] = 1
    result[#result + 1] = remaining
    result[#result + 1] = 0
    writes[i] = { index, current + amount, previous, window }
  else
    all = false
    local passes
    if amount > limit then
      passes = now + window
    elseif current + amount > limit then
      local need = 1 - (limit - amount) / current
      if need < 0 then need = 0 end
      passes = start + window + window * need
    else
      passes = start + window * (1 - (limit - amount - current) / previous)
    end
    local wait = math.ceil(passes - now)
    if wait < 1 then wait = 1 end
    local remaining = math.floor(limit - estimate + 1e-9)
    if remaining < 0 then remaining = 0 end
    result[#result + 1] = 0
    result[#result + 1] = remaining
    result[#result + 1] = wait
  end
end
if all then
  for i = 1, n do
    local wr = writes[i]
    redis.call('HSET', KEYS[i], 'w', wr[1], 'c', tostring(wr[2]), 'p', tostring(wr[3]))
    redis.call('PEXPIRE', KEYS[i], wr[4] * 2)
  end
end
return result
`;

const commandName = 'tesseraRateLimitConsume';

type ConsumeCommand = (...args: (string | number)[]) => Promise<unknown>;

export interface RedisRateLimiterOptions {
  /** An ioredis client; the limiter does not close it. Prefer `enableOfflineQueue: false` (see createRateLimiter). */
  redis: Redis;
  /** Prepended to every key, e.g. 'tessera:rate-limit:'. Keys are `<prefix>{<subject>}:<rule>`. */
  prefix: string;
  rules: readonly RateLimitRule[];
  /** How long a consume waits for Redis, default 100 ms; then the decision follows `onRedisDown`. */
  timeoutMs?: number;
  /** What to answer when Redis fails or is too slow: default 'allow' (see defaultRedisDownPolicy). */
  onRedisDown?: RedisDownPolicy;
  logger: RateLimitLogger;
  /** After a failure, skip Redis for this long (default 1 000 ms) so that an outage costs no latency per request. */
  cooldownMs?: number;
  /** retryAfterMs of a 'deny' refusal, default 1 000 ms. */
  deniedRetryAfterMs?: number;
}

/** Raised internally when Redis does not answer within timeoutMs. */
class RedisTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`Redis did not answer within ${timeoutMs} ms`);
    this.name = 'RedisTimeoutError';
  }
}

/**
 * The limiter shared by every instance through Redis: one Lua script call per consume. A consume never waits more
 * than `timeoutMs` for Redis and never rejects because of it: on a timeout or an error it answers per
 * `onRedisDown` ('allow': allowed, `degraded: true`; 'deny': refused, `degraded: true`, retry after
 * `deniedRetryAfterMs`), logs a warning at most every 10 s, and skips Redis for `cooldownMs` before trying again.
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const ruleList = validateRules(options.rules);
  const { redis, prefix, logger } = options;
  const timeoutMs = options.timeoutMs ?? defaultRedisTimeoutMs;
  const policy = options.onRedisDown ?? defaultRedisDownPolicy;
  const cooldownMs = options.cooldownMs ?? defaultRedisCooldownMs;
  const deniedRetryAfterMs = options.deniedRetryAfterMs ?? defaultDeniedRetryAfterMs;
  if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');

  const commands = redis as unknown as Record<string, unknown>;
  if (typeof commands[commandName] !== 'function') redis.defineCommand(commandName, { lua: consumeScript });
  const run = (commands[commandName] as ConsumeCommand).bind(redis);

  let downUntil = 0;
  let down = false;
  let lastWarnAt = Number.NEGATIVE_INFINITY;
  let failuresSinceWarn = 0;

  const fallback = (active: readonly ActiveRule[]): RateLimitDecision => {
    const tightest = active.reduce((a, b) => (b.rule.limit < a.rule.limit ? b : a));
    if (policy === 'allow') return { allowed: true, limit: tightest.rule.limit, remaining: tightest.rule.limit, retryAfterMs: 0, degraded: true };
    return { allowed: false, limit: tightest.rule.limit, remaining: 0, retryAfterMs: deniedRetryAfterMs, degraded: true };
  };

  const failed = (error: unknown) => {
    const now = Date.now();
    downUntil = now + cooldownMs;
    down = true;
    failuresSinceWarn += 1;
    if (now - lastWarnAt >= warnIntervalMs) {
      logger.warn(
        { err: error, policy, timeoutMs, failures: failuresSinceWarn },
        `rate limiter: Redis unavailable (${errorMessage(error)}); ${policy === 'allow' ? 'allowing requests unmetered' : 'refusing requests'} until it answers`,
      );
      lastWarnAt = now;
      failuresSinceWarn = 0;
    }
  };

  return {
    kind: 'redis',
    async consume(subject, amounts) {
      const active = activeRules(ruleList, amounts);
      if (active.length === 0) return unlimited();
      if (Date.now() < downUntil) return fallback(active);
      const keys = active.map(({ rule }) => `${prefix}{${subject}}:${rule.name}`);
      const args = active.flatMap(({ rule, amount }) => [rule.limit, rule.windowMs, amount]);
      let reply: unknown;
      try {
        reply = await withTimeout(run(keys.length, ...keys, ...args), timeoutMs);
      } catch (error) {
        failed(error);
        return fallback(active);
      }
      if (!Array.isArray(reply) || reply.length !== active.length * 3) {
        failed(new Error(`unexpected reply from the rate limit script: ${JSON.stringify(reply)}`));
        return fallback(active);
      }
      if (down) {
        down = false;
        logger.info({}, 'rate limiter: Redis answers again');
      }
      const values = reply.map(Number);
      return decide(
        active.map(({ rule }, i) => ({
          rule,
          allowed: values[i * 3] === 1,
          remaining: values[i * 3 + 1] ?? 0,
          retryAfterMs: values[i * 3 + 2] ?? 0,
        })),
      );
    },
    async close() {},
  };
}

/** Resolves or rejects like `promise`, or rejects after `ms`; a late outcome of `promise` is ignored (and handled). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RedisTimeoutError(ms)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
