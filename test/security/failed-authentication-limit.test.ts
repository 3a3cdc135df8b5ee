import { afterEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/core/auth/api-keys.ts';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { codesOf, transports } from '../helpers/transports.ts';

// Guessing keys from one address: past TESSERA_RATE_LIMIT_FAILED_AUTH refusals in a window, the address gets 429
// without its credentials being checked (a right key too) and writes no more audit rows, until the window ends.

const wrongKey = 'tsr_live_0000000000_wrongwrongwrongwrongwrongwrongwrong';

describe.each(transports)('refused credentials are rate limited per address over %s', (_name, runner) => {
  let test: TestHost;
  afterEach(() => test?.close());

  it('answers 429 past the limit, checks no credential then, and audits each refusal once', async () => {
    test = await startTestHost('embedded', {
      env: { TESSERA_ANONYMOUS_ROLE: 'viewer', TESSERA_RATE_LIMIT_FAILED_AUTH: '3', TESSERA_RATE_LIMIT_WINDOW_MS: '5000' },
    });
    const server = await test.serve();
    const rightKey = (await createApiKey(test.host.db.prisma, { name: 'reader', roles: ['viewer'] })).key;
    const operation = { query: '{ me { kind } }' };

    const refused = [];
    for (let attempt = 0; attempt < 3; attempt += 1) refused.push(codesOf(await runner(server, operation, wrongKey)));
    expect(refused).toEqual([['UNAUTHENTICATED'], ['UNAUTHENTICATED'], ['UNAUTHENTICATED']]);
    const limited = await runner(server, operation, wrongKey);
    expect(codesOf(limited)).toEqual(['RATE_LIMITED']);
    if (limited.status !== undefined) {
      expect(limited.status).toBe(429);
      expect(Number(limited.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Not even a right key is checked from that address until the window ends.
    expect(codesOf(await runner(server, operation, rightKey))).toEqual(['RATE_LIMITED']);
    await test.host.audit.flush();
    const audited = await test.host.db.prisma.auditEvent.count({ where: { action: 'credentials refused' } });
    expect(audited).toBe(3);

    // Once the window has passed (a sliding window: at most two of them), the right key is heard again.
    const deadline = Date.now() + 15_000;
    let later = await runner(server, operation, rightKey);
    while (codesOf(later).includes('RATE_LIMITED') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      later = await runner(server, operation, rightKey);
    }
    expect(later.errors).toEqual([]);
    expect(later.data).toEqual({ me: { kind: 'key' } });
  });
});
