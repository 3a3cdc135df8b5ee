/** Who is asking: an API key, a user behind a JWT, or nobody (anonymous, with the configured role). */
export interface Identity {
  kind: 'anonymous' | 'key' | 'user';
  /** Key id, JWT subject, or 'anonymous'. Never a secret. */
  id: string;
  name: string;
  roles: string[];
  /** When the credential stops being valid (a JWT's exp, a key's expiry). */
  expiresAt?: Date | undefined;
}

export function anonymousIdentity(roles: readonly string[]): Identity {
  return { kind: 'anonymous', id: 'anonymous', name: 'anonymous', roles: [...roles] };
}

/** The audit log's and rate limiter's name for an identity. */
export function actorOf(identity: Identity): string {
  return identity.kind === 'anonymous' ? 'anonymous' : `${identity.kind}:${identity.id}`;
}
