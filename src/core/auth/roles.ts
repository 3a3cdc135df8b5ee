/**
 * Roles, from least to most trusted; each includes the ones before it. Plugins may add roles of their own, which
 * only their holders (and admins) have.
 */
export const builtInRoles = ['viewer', 'analyst', 'operator', 'admin'] as const;
export type BuiltInRole = (typeof builtInRoles)[number];

const rank = (role: string) => (builtInRoles as readonly string[]).indexOf(role);

/** Whether holding `held` satisfies at least one of `required` (an empty list asks only for `viewer`). */
export function grants(held: readonly string[], required: readonly string[]): boolean {
  const wanted = required.length === 0 ? ['viewer'] : required;
  const highest = Math.max(-1, ...held.map(rank));
  return wanted.some((role) => {
    const needed = rank(role);
    if (needed >= 0) return highest >= needed;
    return held.includes(role) || held.includes('admin');
  });
}

const rolePattern = /^[a-z][a-z0-9:-]{0,39}$/;

/** Validates role names given by an admin or an identity provider. */
export function invalidRoles(roles: readonly string[]): string[] {
  return roles.filter((role) => !rolePattern.test(role));
}
