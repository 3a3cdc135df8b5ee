import net from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForServer } from '../../src/core/database/wait-for-server.ts';
import { DatabaseError } from '../../src/core/database/database-errors.ts';

function capturingLogger() {
  const entries: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      entries.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), entries };
}

async function listenOnLoopback(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('waiting for the PostgreSQL server at start', () => {
  const servers: net.Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  it('gives up within the window on a server that accepts connections and never answers', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket));
    servers.push(silent);
    const port = await listenOnLoopback(silent);
    const { logger } = capturingLogger();
    const waitMs = 1_500;
    const started = Date.now();
    const error = await waitForServer({ url: `postgresql://postgres@127.0.0.1:${port}/app`, waitMs, logger }).catch((caught: unknown) => caught);
    const elapsed = Date.now() - started;
    for (const socket of sockets) socket.destroy();

    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect((error as Error).message).toContain('TESSERA_DATABASE_WAIT_MS (now 1500)');
    expect((error as Error).message).toContain('timeout');
    // An attempt is cut off at the end of the window (it gets at least 1 s): never the 10 s of pg's own timeout.
    expect(elapsed).toBeLessThan(waitMs + 5_000);
  });

  it('tries once, logging no retry, when the wait is 0', async () => {
    const closed = net.createServer();
    const port = await listenOnLoopback(closed);
    await new Promise((resolve) => closed.close(resolve));
    const { logger, entries } = capturingLogger();
    const error = await waitForServer({ url: `postgresql://postgres@127.0.0.1:${port}/app`, waitMs: 0, logger }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect((error as Error).message).toContain('after 1 attempt in 0 s (last error: connect ECONNREFUSED');
    expect(entries).toEqual([]);
  });
});
