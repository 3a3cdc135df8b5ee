import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from '../logger.ts';
import { listen } from '../listen.ts';

/**
 * Serves one PGlite instance over the Postgres wire protocol on a loopback port, to any number of connections.
 *
 * PGlite is a single backend session, so connections must take turns. A connection owns the session from its
 * first message until the backend reports ReadyForQuery with status idle ('I'): a whole extended-protocol cycle
 * (Parse/Bind/Execute/Sync) and a whole transaction run without other connections' messages in between.
 * (@electric-sql/pglite-socket takes turns per message outside transactions, which lets one connection's Parse
 * replace another's unnamed statement between its Parse and Bind — electric-sql/pglite#1046.)
 */
export class WireServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private owner: number | null = null;
  private readonly waiters: { connection: number; wake: () => void }[] = [];
  private nextConnection = 1;

  constructor(
    private readonly db: PGlite,
    private readonly logger: Logger,
  ) {
    this.server = net.createServer((socket) => this.serve(socket));
  }

  /** Listens on loopback; port 0 = any free port. Resolves with the port. */
  async listen(port = 0): Promise<number> {
    await listen(this.server, { host: '127.0.0.1', port, portSetting: 'TESSERA_EMBEDDED_PORT' });
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: net.Socket): void {
    const connection = this.nextConnection++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let buffer = Buffer.alloc(0);
    let started = false;
    let chain = Promise.resolve();
    let open = true;

    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const messages: Buffer[] = [];
      for (;;) {
        const length = !started ? (buffer.length >= 4 ? buffer.readInt32BE(0) : 0) : buffer.length >= 5 ? 1 + buffer.readInt32BE(1) : 0;
        if (length === 0 || buffer.length < length) break;
        messages.push(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        if (!started) {
          const code = messages.at(-1)?.readInt32BE(4);
          if (code === 80877103 || code === 80877104) {
            messages.pop();
            socket.write('N'); // SSL and GSS encryption requests: not on loopback.
            continue;
          }
          if (code === 80877102) {
            messages.pop(); // CancelRequest: PGlite cannot cancel a running query.
            socket.end();
            return;
          }
          started = true;
        }
      }
      for (const message of messages) {
        chain = chain.then(() => (open ? this.run(connection, message, socket) : undefined));
      }
      chain = chain.catch((error: unknown) => {
        this.logger.error({ err: error, connection }, 'embedded database connection failed');
        socket.destroy();
      });
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      open = false;
      this.sockets.delete(socket);
      void chain.then(() => this.abandon(connection));
    });
  }

  /** Runs one frontend message for `connection`, holding the session until the backend is idle again. */
  private async run(connection: number, message: Buffer, socket: net.Socket): Promise<void> {
    if (message[0] === 0x58) {
      // Terminate: end the connection without passing it on (it would end the shared session).
      socket.end();
      return;
    }
    await this.acquire(connection);
    const output: Uint8Array[] = [];
    await this.db.runExclusive(() =>
      this.db.execProtocolRawStream(new Uint8Array(message), {
        onRawData: (data) => {
          // `data` is a view of PGlite's WebAssembly memory, reused for the next chunk: copy it before keeping it.
          const chunk = Buffer.from(data);
          output.push(chunk);
          if (socket.writable) socket.write(chunk);
        },
      }),
    );
    const status = lastReadyStatus(Buffer.concat(output));
    if (status === 'I') this.release(connection);
  }

  /** A connection that went away mid-transaction must not leave the session locked. */
  private async abandon(connection: number): Promise<void> {
    if (this.owner !== connection) return;
    // exec() takes PGlite's lock itself (execProtocolRawStream does not).
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK').catch(() => undefined);
    this.release(connection);
  }

  private acquire(connection: number): Promise<void> {
    if (this.owner === null || this.owner === connection) {
      this.owner = connection;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ connection, wake: resolve }));
  }

  private release(connection: number): void {
    if (this.owner !== connection) return;
    this.owner = null;
    const next = this.waiters.shift();
    if (next) {
      this.owner = next.connection;
      next.wake();
    }
  }
}

/** The transaction status of the last ReadyForQuery ('Z') in a stream of backend messages, if any. */
function lastReadyStatus(output: Buffer): string | undefined {
  let status: string | undefined;
  let offset = 0;
  while (offset + 5 <= output.length) {
    const type = output[offset];
    const length = output.readInt32BE(offset + 1);
    if (length < 4) break; // not a message boundary: never loop on garbage
    if (type === 0x5a && offset + 5 < output.length) status = String.fromCharCode(output[offset + 5] as number);
    offset += 1 + length;
  }
  return status;
}
