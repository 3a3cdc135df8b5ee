import type { Database } from '../../core/database/database.ts';
import type { JobQueue } from '../../core/jobs/job-queue.ts';
import type { AuditLog } from '../../core/auth/audit-log.ts';
import type { RequestContext } from '../../core/request-context.ts';
import { requestState } from '../../core/plugins/define-plugin.ts';
import { requestStateHandle } from '../../core/plugins/handles.ts';

/** What the host's own resolvers (runs, plugins) need; registered as the request state of `tessera`. */
export interface CoreState {
  db: Database;
  jobs: JobQueue;
  audit: AuditLog;
  plugins: () => readonly { name: string; version: string; description: string | undefined; status: string; dependsOn: readonly string[] }[];
}

/** The host's request state, under the reserved name `tessera` (no plugin can be named so: see check-plugin). */
export const coreStateHandle = requestStateHandle<CoreState>('tessera');

export function coreState(context: RequestContext): CoreState {
  return requestState(context, coreStateHandle);
}
