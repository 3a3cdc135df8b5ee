/**
 * Client-side rate limits for HTTP sources: they make the caller wait (abortably) instead of failing.
 *
 * - `requestsPerMinute`: a token bucket holding at most that many requests, refilled continuously at that rate
 *   per minute (a burst of N, then one request every 60/N seconds).
 * - `creditsPerMinute`: credits spent in the current wall-clock minute; a request that would go over waits for the
 *   next minute boundary, when the upstream resets the count (Twelve Data: 8 credits per minute on the free plan).
 */
export interface RateLimit {
  requestsPerMinute?: number;
  creditsPerMinute?: number;
  /** Credits one request costs (Twelve Data: 1 per symbol in a batch request). Default 1. */
  creditsPerRequest?: (url: string) => number;
}

/** Time as the limiter sees it: injectable so tests can check the waits without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface RateLimiter {
  /** Waits until a request costing `credits` may go, and books it. Resolves to the time waited, in ms. */
  acquire(credits: number, signal: AbortSignal): Promise<number>;
  /** Books credits spent without waiting (retried attempts the upstream also counted). */
  charge(credits: number): void;
}

const minuteMs = 60_000;

export function createRateLimiter(limit: RateLimit, clock: Clock = systemClock, onWait?: (ms: number, reason: string) => void): RateLimiter {
  const { requestsPerMinute, creditsPerMinute } = limit;
  for (const [name, value] of Object.entries({ requestsPerMinute, creditsPerMinute })) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0))
      throw new RangeError(`rate limit ${name} must be a positive number, not ${value}`);
  }
  let tokens = requestsPerMinute ?? 0;
  let refilledAt = clock.now();
  let window = Math.floor(clock.now() / minuteMs);
  let spent = 0;

  const refill = (now: number) => {
    if (requestsPerMinute === undefined) return;
    tokens = Math.min(requestsPerMinute, tokens + ((now - refilledAt) * requestsPerMinute) / minuteMs);
    refilledAt = now;
  };
  const rollWindow = (now: number) => {
    const current = Math.floor(now / minuteMs);
    if (current !== window) {
      window = current;
      spent = 0;
    }
  };

  return {
    async acquire(credits, signal) {
      if (creditsPerMinute !== undefined && credits > creditsPerMinute) {
        throw new RangeError(`a request costing ${credits} credits can never fit a limit of ${creditsPerMinute} credits per minute`);
      }
      let waited = 0;
      // Each pass either books the request or sleeps until the limit that blocks it lifts; time moves on with
      // every sleep, so the loop ends. The bound only guards against a clock that does not advance.
      for (let pass = 0; pass < 1_000; pass += 1) {
        signal.throwIfAborted();
        const now = clock.now();
        refill(now);
        rollWindow(now);
        const tokenWait = requestsPerMinute === undefined || tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * minuteMs) / requestsPerMinute);
        const creditWait = creditsPerMinute === undefined || spent + credits <= creditsPerMinute ? 0 : (window + 1) * minuteMs - now;
        if (tokenWait === 0 && creditWait === 0) {
          if (requestsPerMinute !== undefined) tokens -= 1;
          spent += credits;
          return waited;
        }
        const wait = Math.max(tokenWait, creditWait);
        onWait?.(
          wait,
          creditWait >= tokenWait ? `out of credits (${spent}/${creditsPerMinute} this minute)` : `${requestsPerMinute} requests per minute`,
        );
        await clock.sleep(wait, signal);
        waited += wait;
      }
      throw new Error('rate limiter: the clock does not advance');
    },
    charge(credits) {
      rollWindow(clock.now());
      spent += credits;
    },
  };
}
