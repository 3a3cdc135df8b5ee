import { ErrorCode, TesseraError } from '../errors.ts';

/** How often a job is tried and how long it waits between tries. */
export interface RetryPolicy {
  /** Tries in all, the first included (1 = no retry). */
  attempts: number;
  /** Wait before the second try; each later wait doubles it (with jitter). */
  backoffMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 1, backoffMs: 5_000 };

/**
 * Failures that another try cannot fix: the input or the configuration is wrong, or upstream refused the
 * credentials. A run failing with one of these ends at once, whatever attempts remain.
 */
export const nonRetryableCodes: ReadonlySet<string> = new Set<string>([
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.JOB_UNKNOWN,
  ErrorCode.JOB_OPTIONS_INVALID,
  ErrorCode.INGEST_PAYLOAD_INVALID,
  ErrorCode.INGEST_UPSTREAM_AUTH,
  ErrorCode.CONFIG_INVALID,
  ErrorCode.PLUGIN_CONFIG_INVALID,
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.FORBIDDEN,
  ErrorCode.NOT_FOUND,
]);

/** Whether another attempt may succeed where this error failed one. */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof TesseraError && nonRetryableCodes.has(error.code));
}

/**
 * Wait before attempt `next` (2 for the first retry): exponential, with "equal jitter" (half fixed, half random) so
 * that runs failing together do not retry together.
 */
export function backoffDelay(policy: RetryPolicy, next: number, random: () => number = Math.random): number {
  const full = policy.backoffMs * 2 ** Math.max(0, next - 2);
  return Math.round(full / 2 + (random() * full) / 2);
}

/** The policy of a job: the job's own default, then the deployment's override (config). */
export function resolveRetryPolicy(jobDefault: Partial<RetryPolicy> | undefined, override: Partial<RetryPolicy>): RetryPolicy {
  return {
    attempts: override.attempts ?? jobDefault?.attempts ?? defaultRetryPolicy.attempts,
    backoffMs: override.backoffMs ?? jobDefault?.backoffMs ?? defaultRetryPolicy.backoffMs,
  };
}
