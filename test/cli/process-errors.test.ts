import { afterEach, describe, expect, it } from 'vitest';
import { spawnTessera, type TesseraProcess } from './tessera-process.ts';

// A rejection nobody handled is logged with its error and the server goes on; an uncaught exception is logged
// and the server shuts down gracefully (in-flight requests finish), exiting 1 for its supervisor to restart it.

const unruly = './test/fixtures/plugins/unruly-plugin.ts';

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('errors no request handled', () => {
  let tessera: TesseraProcess | undefined;
  afterEach(() => {
    if (tessera?.child.exitCode === null) tessera.child.kill('SIGKILL');
  });

  async function serve(): Promise<string> {
    tessera = spawnTessera(['serve'], { TESSERA_PLUGINS: unruly });
    await tessera.waitFor(/Tessera listening on http:\/\/\S+\/graphql/);
    return /Tessera listening on (http:\/\/[^/\s]+)\/graphql/.exec(tessera.stdout())?.[1] as string;
  }

  const post = (base: string, query: string) =>
    fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });

  it('logs an unhandled rejection with its error and keeps serving', async () => {
    const base = await serve();
    expect((await post(base, '{ forgetRejection }')).status).toBe(200);
    await tessera!.waitFor(/unhandled promise rejection/);
    const logged = jsonLines(tessera!.stdout()).find((line) => line.msg === 'unhandled promise rejection: logged, serving on');
    expect((logged?.err as { message?: string } | undefined)?.message).toBe('a rejection nobody handled');
    expect(logged?.level).toBe(50);
    const next = await post(base, '{ plugins { name } }');
    expect(next.status).toBe(200);
    expect(tessera!.child.exitCode).toBeNull();
  });

  it('logs an uncaught exception and shuts down gracefully, exiting 1', async () => {
    const base = await serve();
    expect((await post(base, '{ throwLater }')).status).toBe(200);
    const exit = await tessera!.exited;
    expect(exit.code).toBe(1);
    const logs = jsonLines(tessera!.stdout());
    const fatal = logs.find((line) => line.msg === 'uncaught exception: shutting down');
    expect((fatal?.err as { message?: string } | undefined)?.message).toBe('thrown from a timer');
    expect(logs.some((line) => line.msg === 'stopped')).toBe(true);
  });
});
