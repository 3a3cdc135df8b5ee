import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { Logger } from 'pino';

export const logFormats = ['pretty', 'json'] as const;
/** pretty: a human-readable line per entry; json: one JSON object a line, for log collectors. */
export type LogFormat = (typeof logFormats)[number];

export interface LogOutput {
  /** Default: LOG_FORMAT, else pretty when the destination is a terminal, else json. */
  format?: LogFormat | undefined;
  /**
   * Default stderr, so that a command's stdout holds only its output (`tessera keys create … > key.txt`).
   * The server, whose only output is its log, passes stdout.
   */
  destination?: 'stdout' | 'stderr';
}

/** Keys whose values never reach a log line. */
export const redactedPaths = [
  'apiKey',
  '*.apiKey',
  'password',
  '*.password',
  'token',
  '*.token',
  'headers.authorization',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'authorization',
  '*.authorization',
  'key',
  '*.key',
  'secret',
  '*.secret',
  'connectionParams',
];

/** The process logger: secrets redacted, human-readable or JSON lines (see LogOutput). */
export function createLogger(level: LevelWithSilent = 'info', output: LogOutput = {}): Logger {
  const fd = output.destination === 'stdout' ? 1 : 2;
  const terminal = (fd === 1 ? process.stdout : process.stderr).isTTY === true;
  // LOG_FORMAT is read here too so that every command's logger follows it, whoever creates the logger;
  // loadCoreConfig has already refused an invalid value.
  const format = output.format ?? parseLogFormat(process.env.LOG_FORMAT) ?? (terminal ? 'pretty' : 'json');
  return pino(
    {
      level,
      base: { service: 'tessera' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    format === 'pretty' ? prettyStream(fd, terminal) : pino.destination({ dest: fd, sync: false }),
  );
}

function parseLogFormat(value: string | undefined): LogFormat | undefined {
  return logFormats.find((format) => format === value);
}

/**
 * Formats in this thread and writes synchronously: a worker-thread transport could lose the last lines when a
 * failed start exits at once, and a terminal's reader does not need the throughput.
 */
function prettyStream(fd: 1 | 2, colorize: boolean): DestinationStream {
  const format = prettyFactory({ colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'service' });
  const out = pino.destination({ dest: fd, sync: true });
  return { write: (line: string) => void out.write(format(line)) };
}
