import { afterEach, describe, expect, it } from 'vitest';
import { loadCoreConfig } from '../../src/core/config.ts';
import { backoffDelay, isRetryable } from '../../src/core/jobs/retry-policy.ts';
import { BadUserInputError, TesseraError } from '../../src/core/errors.ts';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';

describe('job settings', () => {
  let test: TestHost | undefined;
  afterEach(async () => {
    await test?.close();
    test = undefined;
  });

  it('refuses an invalid cron pattern, naming the job and the expected form', () => {
    expect(() => loadCoreConfig({ TESSERA_JOB_SCHEDULES: '{"game:manifest":"61 * * * *"}' })).toThrow(
      /TESSERA_JOB_SCHEDULES\.game:manifest: job 'game:manifest' has an invalid cron pattern "61 \* \* \* \*".*use 5 fields/,
    );
    expect(() => loadCoreConfig({ TESSERA_JOB_SCHEDULES: '{"game:manifest":"every hour"}' })).toThrow(
      "job 'game:manifest' has an invalid cron pattern",
    );
    expect(() => loadCoreConfig({ TESSERA_JOB_SCHEDULES: 'game:manifest=0 * * * *' })).toThrow('expected JSON such as');
    expect(loadCoreConfig({ TESSERA_JOB_SCHEDULES: '{"game:manifest":"0 */6 * * *"}' }).jobSchedules).toEqual({ 'game:manifest': '0 */6 * * *' });
    expect(loadCoreConfig({ TESSERA_JOB_ATTEMPTS: '3' }).jobRetry).toEqual({ attempts: 3 });
    expect(() => loadCoreConfig({ TESSERA_JOB_CONCURRENCY: '0' })).toThrow('TESSERA_JOB_CONCURRENCY');
  });

  it('refuses to start with a schedule for a job no enabled plugin offers', async () => {
    await expect(
      startTestHost('embedded', {
        plugins: ['./test/fixtures/plugins/hello-plugin.ts'],
        env: { TESSERA_JOB_SCHEDULES: '{"hello:cuont":"* * * * *"}' },
      }),
    ).rejects.toThrow("TESSERA_JOB_SCHEDULES names 'hello:cuont', which no enabled plugin offers (jobs: hello:count, hello:slow)");
  });

  it('backs off exponentially with jitter, and never retries input errors', () => {
    const policy = { attempts: 5, backoffMs: 1_000 };
    expect([2, 3, 4].map((next) => backoffDelay(policy, next, () => 0))).toEqual([500, 1_000, 2_000]);
    expect([2, 3, 4].map((next) => backoffDelay(policy, next, () => 1))).toEqual([1_000, 2_000, 4_000]);
    expect(isRetryable(new Error('socket hang up'))).toBe(true);
    expect(isRetryable(new TesseraError('INGEST_UPSTREAM_UNAVAILABLE', 'down'))).toBe(true);
    expect(isRetryable(new BadUserInputError('no'))).toBe(false);
    expect(isRetryable(new TesseraError('INGEST_PAYLOAD_INVALID', 'bad'))).toBe(false);
  });
});
