import type { AuthChecker } from 'type-graphql';
import { AuthError, ErrorCode } from '../core/errors.ts';
import { grants } from '../core/auth/roles.ts';
import type { RequestContext } from '../core/request-context.ts';
import { coreState } from './core/core-state.ts';

/**
 * The one auth checker behind every `@Authorized(...)`: built-in roles are ordered (admin ⊇ operator ⊇ analyst ⊇
 * viewer), plugin roles are held explicitly. A refusal is audited and raised before the resolver runs, so it says
 * nothing about whether the data exists.
 */
export const authChecker: AuthChecker<RequestContext> = ({ context, info }, roles) => {
  checkFieldRoles(context, `${info.parentType.name}.${info.fieldName}`, roles);
  return true;
};

/** Throws (and audits) unless the caller holds one of `roles` for `field` ('Type.field'); no roles = viewer. */
export function checkFieldRoles(context: RequestContext, field: string, roles: readonly string[]): void {
  const { identity } = context;
  if (grants(identity.roles, roles)) return;
  const required = roles.length > 0 ? roles.join(' or ') : 'viewer';
  coreState(context).audit.record({
    identity,
    action: `denied ${field}`,
    outcome: 'denied',
    ip: context.ip,
    requestId: context.requestId,
    details: { required: roles },
  });
  if (identity.kind === 'anonymous') {
    throw new AuthError(ErrorCode.UNAUTHENTICATED, `${field} needs the role ${required}: send an API key or token that has it.`);
  }
  throw new AuthError(
    ErrorCode.FORBIDDEN,
    `${field} needs the role ${required}; this ${identity.kind === 'key' ? 'API key' : 'token'} has ${identity.roles.join(', ') || 'no role'}.`,
  );
}
