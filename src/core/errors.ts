/**
 * Typed errors with stable codes. Every code maps to a GraphQL `extensions.code`; messages say what went wrong
 * and how to fix it, because they are read by operators and plugin authors, not only by programs.
 */
export const ErrorCode = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  PLUGIN_UNKNOWN: 'PLUGIN_UNKNOWN',
  PLUGIN_INVALID: 'PLUGIN_INVALID',
  PLUGIN_DUPLICATE: 'PLUGIN_DUPLICATE',
  PLUGIN_DEPENDENCY_MISSING: 'PLUGIN_DEPENDENCY_MISSING',
  PLUGIN_DEPENDENCY_CYCLE: 'PLUGIN_DEPENDENCY_CYCLE',
  PLUGIN_CONFIG_INVALID: 'PLUGIN_CONFIG_INVALID',
  PLUGIN_INIT_FAILED: 'PLUGIN_INIT_FAILED',
  PLUGIN_INIT_TIMEOUT: 'PLUGIN_INIT_TIMEOUT',
  PLUGIN_MIGRATION_FAILED: 'PLUGIN_MIGRATION_FAILED',
  PLUGIN_HOST_INCOMPATIBLE: 'PLUGIN_HOST_INCOMPATIBLE',
  DATABASE_LOCKED: 'DATABASE_LOCKED',
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  DATABASE_AUTH_FAILED: 'DATABASE_AUTH_FAILED',
  DATABASE_MISSING: 'DATABASE_MISSING',
  PORT_UNAVAILABLE: 'PORT_UNAVAILABLE',
  MIGRATION_FAILED: 'MIGRATION_FAILED',
  JOB_UNKNOWN: 'JOB_UNKNOWN',
  JOB_OPTIONS_INVALID: 'JOB_OPTIONS_INVALID',
  INGEST_UPSTREAM_AUTH: 'INGEST_UPSTREAM_AUTH',
  INGEST_UPSTREAM_THROTTLED: 'INGEST_UPSTREAM_THROTTLED',
  INGEST_UPSTREAM_UNAVAILABLE: 'INGEST_UPSTREAM_UNAVAILABLE',
  INGEST_UPSTREAM_ERROR: 'INGEST_UPSTREAM_ERROR',
  INGEST_PAYLOAD_INVALID: 'INGEST_PAYLOAD_INVALID',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes whose message is safe to show to GraphQL clients as is. */
const clientSafeCodes = new Set<ErrorCode>([
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.NOT_FOUND,
  ErrorCode.JOB_UNKNOWN,
  ErrorCode.JOB_OPTIONS_INVALID,
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.FORBIDDEN,
]);

export interface TesseraErrorOptions {
  cause?: unknown;
  /** Structured facts for logs and GraphQL extensions (never secrets). */
  details?: Record<string, unknown>;
}

/** Base class of every error Tessera raises on purpose. */
export class TesseraError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: TesseraErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
  }

  /** Whether clients may see this message; other errors are masked in GraphQL responses. */
  get exposeToClient(): boolean {
    return clientSafeCodes.has(this.code);
  }
}

/** Raised when configuration (environment or plugin config) does not validate. */
export class ConfigError extends TesseraError {
  constructor(message: string, options?: TesseraErrorOptions) {
    super(ErrorCode.CONFIG_INVALID, message, options);
  }
}

/**
 * A port Tessera was told to listen on cannot be had (in use, privileged, or not an address of this machine). The
 * message names the setting to change, since the operator chose the address.
 */
export class PortUnavailableError extends TesseraError {
  constructor(address: { port: number; host: string; portSetting: string; hostSetting?: string }, cause: unknown) {
    const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
    const { port, host, portSetting, hostSetting } = address;
    const message =
      errno === 'EADDRINUSE'
        ? `Port ${port} on ${host} (${portSetting}) is already in use by another process: stop that process, or set ${portSetting} to a free port (0 = any free port).`
        : errno === 'EACCES'
          ? `Port ${port} on ${host} (${portSetting}) needs privileges this process does not have: set ${portSetting} to a port above 1023.`
          : errno === 'EADDRNOTAVAIL'
            ? `Cannot listen on ${host}: it is not an address of this machine. Set ${hostSetting ?? 'the listening address'} to one of its addresses, or 0.0.0.0 for all.`
            : `Cannot listen on ${host}:${port} (${portSetting}): ${errorMessage(cause)}.`;
    super(ErrorCode.PORT_UNAVAILABLE, message, { cause, details: { port, host, setting: portSetting } });
  }

  /** Whether `error` is a failed `listen()` this class describes. */
  static matches(error: unknown): boolean {
    const errno = (error as NodeJS.ErrnoException | undefined)?.code;
    return errno === 'EADDRINUSE' || errno === 'EACCES' || errno === 'EADDRNOTAVAIL';
  }
}

/** Raised for a client's invalid argument; the message says which one and what is allowed. */
export class BadUserInputError extends TesseraError {
  constructor(message: string, options?: TesseraErrorOptions) {
    super(ErrorCode.BAD_USER_INPUT, message, options);
  }
}

/** Missing or invalid credentials (UNAUTHENTICATED), or a role that does not allow the access (FORBIDDEN). */
export class AuthError extends TesseraError {
  constructor(code: typeof ErrorCode.UNAUTHENTICATED | typeof ErrorCode.FORBIDDEN, message: string, options?: TesseraErrorOptions) {
    super(code, message, options);
  }
}

export class NotFoundError extends TesseraError {
  constructor(message: string, options?: TesseraErrorOptions) {
    super(ErrorCode.NOT_FOUND, message, options);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
