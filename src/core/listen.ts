import net from 'node:net';
import { PortUnavailableError } from './errors.ts';

/** Where a server listens, and the settings that chose it (named by the error when it cannot). */
export interface ListenAddress {
  port: number;
  host: string;
  portSetting: string;
  hostSetting?: string;
}

/** Starts `server` listening; a port in use (or privileged, or a foreign address) becomes a PortUnavailableError. */
export async function listen(server: net.Server, address: ListenAddress): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(PortUnavailableError.matches(error) ? new PortUnavailableError(address, error) : error);
    server.once('error', onError);
    server.listen(address.port, address.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Fails at once when the port cannot be listened on, so that a start which would fail there does not first spend
 * seconds opening databases. Port 0 (any free port) always can. The real listen may still lose a race; it reports
 * the same error.
 */
export async function checkPortFree(address: ListenAddress): Promise<void> {
  if (address.port === 0) return;
  const probe = net.createServer();
  await listen(probe, address);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
