import { createLocalJWKSet, errors, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from './auth-config.ts';
import type { Identity } from './identity.ts';

export type JwtVerifier = (token: string) => Promise<{ identity: Identity | null; reason?: string }>;

/**
 * Verifies bearer JWTs with jose against the configured key material. The algorithm allow-list comes from the
 * kind of key (asymmetric keys never accept HS*, a secret never accepts RS*), and `none` is never accepted;
 * `exp` and `nbf` are always checked, `iss` and `aud` when configured.
 */
export async function createJwtVerifier(config: AuthConfig['jwt']): Promise<JwtVerifier> {
  if (config.kind === 'none')
    return async () => ({
      identity: null,
      reason: 'no JWT keys are configured (set TESSERA_JWT_JWKS_FILE, TESSERA_JWT_PUBLIC_KEY or TESSERA_JWT_SECRET)',
    });
  let key: JWTVerifyGetKey | CryptoKey | Uint8Array;
  if (config.kind === 'jwks') key = createLocalJWKSet(config.jwks as Parameters<typeof createLocalJWKSet>[0]);
  else if (config.kind === 'public-key') key = await importSPKI(config.pem, config.algorithms[0] as string);
  else key = new TextEncoder().encode(config.secret);
  const options = {
    algorithms: config.algorithms,
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
    clockTolerance: 5,
  };
  return async (token) => {
    try {
      const { payload } = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
      if (!payload.sub) return { identity: null, reason: 'the token has no sub claim' };
      return { identity: identityOf(payload, config.rolesClaim) };
    } catch (error) {
      const reason = error instanceof errors.JOSEError ? `${error.code}: ${error.message}` : (error as Error).message;
      return { identity: null, reason };
    }
  };
}

function identityOf(payload: JWTPayload, rolesClaim: string): Identity {
  const claim = payload[rolesClaim];
  const roles = Array.isArray(claim)
    ? claim.filter((role): role is string => typeof role === 'string')
    : typeof claim === 'string'
      ? claim.split(/[\s,]+/)
      : [];
  const name = typeof payload.name === 'string' ? payload.name : (payload.sub as string);
  return { kind: 'user', id: payload.sub as string, name, roles, expiresAt: payload.exp ? new Date(payload.exp * 1000) : undefined };
}
