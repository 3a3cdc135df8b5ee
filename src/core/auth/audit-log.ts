import type { PrismaClient } from '../database/database.ts';
import type { Logger } from '../logger.ts';
import { actorOf, type Identity } from './identity.ts';

export interface AuditEventInput {
  identity: Identity;
  /** e.g. `mutation createApiKey`, `denied Query.ingestRuns`, `connection refused`. */
  action: string;
  outcome: 'allowed' | 'denied' | 'failed';
  ip?: string | undefined;
  requestId?: string | undefined;
  details?: Record<string, unknown>;
}

/** Writes audit events without holding up the request; a failed write is logged, never thrown at the client. */
export interface AuditLog {
  record(event: AuditEventInput): void;
  /** Resolves when every write started so far has ended (tests, shutdown). */
  flush(): Promise<void>;
}

export function createAuditLog(prisma: PrismaClient, logger: Logger): AuditLog {
  const pending = new Set<Promise<unknown>>();
  return {
    record(event) {
      const write = prisma.auditEvent
        .create({
          data: {
            actor: actorOf(event.identity),
            actorName: event.identity.name,
            action: event.action,
            outcome: event.outcome,
            ip: event.ip ?? null,
            requestId: event.requestId ?? null,
            details: JSON.parse(JSON.stringify(event.details ?? {})),
          },
        })
        .catch((error: unknown) => logger.error({ err: error, action: event.action, actor: actorOf(event.identity) }, 'audit event not written'))
        .finally(() => pending.delete(write));
      pending.add(write);
    },
    async flush() {
      await Promise.allSettled([...pending]);
    },
  };
}
