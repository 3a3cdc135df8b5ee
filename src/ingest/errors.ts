import { ErrorCode, TesseraError, type TesseraErrorOptions } from '../core/errors.ts';

/** An upstream API or file that failed; `retryable` errors are retried with backoff before they fail a run. */
export class UpstreamError extends TesseraError {
  readonly retryable: boolean;
  /** Delay the upstream asked for (Retry-After, ThrottleSeconds), in ms. */
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(code: ErrorCode, message: string, options: TesseraErrorOptions & { retryable?: boolean; retryAfterMs?: number; status?: number } = {}) {
    super(code, message, options);
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}

export { ErrorCode };
