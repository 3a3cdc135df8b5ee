import type { ExecutionArgs, ExecutionResult, GraphQLSchema } from 'graphql';
import type { CoreConfig } from '../core/config.ts';
import type { Logger } from '../core/logger.ts';
import type { AuditLog } from '../core/auth/audit-log.ts';
import type { Credentials } from '../core/auth/authenticator.ts';
import type { Identity } from '../core/auth/identity.ts';
import type { RequestContext } from '../core/request-context.ts';
import type { QueryLimits } from '../schema/limits/index.ts';
import type { ExecuteOptions } from '../schema/read/executor.ts';
import type { RateLimiter } from './rate-limit/index.ts';

/** The settings the server reads. */
export type ServerConfig = Pick<
  CoreConfig,
  'port' | 'host' | 'production' | 'introspection' | 'corsOrigins' | 'safelistFile' | 'headersTimeoutMs' | 'requestTimeoutMs' | 'shutdownTimeoutMs'
>;

/** What a transport knows of an operation when it asks for its context. */
export interface ContextRequest {
  requestId?: string;
  acceptLanguage?: string | undefined;
  identity?: Identity;
  ip?: string | undefined;
}

/**
 * What the server needs from whatever runs it. The composition root (src/cli/host.ts's Host) satisfies it
 * structurally: the server depends on this contract, never on the CLI above it.
 */
export interface ServerHost {
  /** Only a started host takes new graphql-ws connections. */
  readonly state: 'starting' | 'started' | 'stopping' | 'stopped';
  readonly schema: GraphQLSchema;
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly auth: { authenticate(credentials: Credentials): Promise<Identity> };
  readonly audit: AuditLog;
  readonly limits: QueryLimits;
  readonly rateLimiter: RateLimiter;
  /** Runs one query or mutation (compiled reads as SQL); both transports execute through it. */
  execute(args: Omit<ExecutionArgs, 'schema'>, options?: ExecuteOptions): Promise<ExecutionResult>;
  /** The GraphQL context of one operation. */
  createContext(request: ContextRequest): RequestContext;
  readiness(): Promise<{ ready: boolean; checks: Record<string, string> }>;
  /** Called once HTTP and websockets are drained. */
  stop(): Promise<void>;
}
