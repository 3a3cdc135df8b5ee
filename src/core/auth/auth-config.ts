import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { builtInRoles } from './roles.ts';

export const authEnvironment = {
  TESSERA_ANONYMOUS_ROLE: "Role of requests without credentials: viewer (public data, the default), another role, or 'none' to require credentials",
  TESSERA_JWT_JWKS_FILE: 'Path of a JWKS file (JSON) whose public keys verify bearer JWTs',
  TESSERA_JWT_PUBLIC_KEY: 'A PEM public key (SPKI) that verifies bearer JWTs (alternative to the JWKS file)',
  TESSERA_JWT_SECRET: 'A shared secret (32+ characters) for HS256 JWTs; not combinable with public keys',
  TESSERA_JWT_ALGORITHMS: 'Allowed JWT algorithms (default RS256,ES256,EdDSA with keys; HS256 with a secret)',
  TESSERA_JWT_ISSUER: 'Required `iss` of JWTs',
  TESSERA_JWT_AUDIENCE: 'Required `aud` of JWTs',
  TESSERA_JWT_ROLES_CLAIM: 'Claim holding the roles of a JWT (default roles)',
} as const;

const asymmetric = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
const symmetric = ['HS256', 'HS384', 'HS512'] as const;

export interface AuthConfig {
  /** Roles of anonymous requests; empty = credentials required. */
  anonymousRoles: string[];
  jwt:
    | { kind: 'none' }
    | { kind: 'jwks'; jwks: { keys: Record<string, unknown>[] }; algorithms: string[]; issuer?: string; audience?: string; rolesClaim: string }
    | { kind: 'public-key'; pem: string; algorithms: string[]; issuer?: string; audience?: string; rolesClaim: string }
    | { kind: 'secret'; secret: string; algorithms: string[]; issuer?: string; audience?: string; rolesClaim: string };
}

const schema = z.object({
  TESSERA_ANONYMOUS_ROLE: z
    .string()
    .regex(/^(none|[a-z][a-z0-9:-]{0,39})$/, { error: 'expected a role name or none' })
    .default('viewer'),
  TESSERA_JWT_JWKS_FILE: z.string().optional(),
  TESSERA_JWT_PUBLIC_KEY: z.string().optional(),
  TESSERA_JWT_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
  TESSERA_JWT_ALGORITHMS: z.string().optional(),
  TESSERA_JWT_ISSUER: z.string().optional(),
  TESSERA_JWT_AUDIENCE: z.string().optional(),
  TESSERA_JWT_ROLES_CLAIM: z.string().default('roles'),
});

/** Reads authentication settings; refuses combinations that would let one kind of key verify another's tokens. */
export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const input = Object.fromEntries(Object.keys(authEnvironment).map((key) => [key, env[key] === '' ? undefined : env[key]]));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid authentication settings: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}.`,
    );
  }
  const c = parsed.data;
  const anonymousRoles = c.TESSERA_ANONYMOUS_ROLE === 'none' ? [] : [c.TESSERA_ANONYMOUS_ROLE];
  if (anonymousRoles.some((role) => role === 'operator' || role === 'admin')) {
    throw new ConfigError(
      `TESSERA_ANONYMOUS_ROLE=${c.TESSERA_ANONYMOUS_ROLE} would open ingestion and key management to everyone: use viewer, analyst or none.`,
    );
  }
  const sources = [c.TESSERA_JWT_JWKS_FILE, c.TESSERA_JWT_PUBLIC_KEY, c.TESSERA_JWT_SECRET].filter(Boolean).length;
  if (sources > 1) throw new ConfigError('Set only one of TESSERA_JWT_JWKS_FILE, TESSERA_JWT_PUBLIC_KEY and TESSERA_JWT_SECRET.');
  const common = {
    rolesClaim: c.TESSERA_JWT_ROLES_CLAIM,
    ...(c.TESSERA_JWT_ISSUER ? { issuer: c.TESSERA_JWT_ISSUER } : {}),
    ...(c.TESSERA_JWT_AUDIENCE ? { audience: c.TESSERA_JWT_AUDIENCE } : {}),
  };
  const algorithms = (allowed: readonly string[], fallback: string[]) => {
    const list =
      c.TESSERA_JWT_ALGORITHMS?.split(',')
        .map((name) => name.trim())
        .filter(Boolean) ?? fallback;
    const wrong = list.filter((name) => !allowed.includes(name));
    if (wrong.length > 0) {
      throw new ConfigError(
        `TESSERA_JWT_ALGORITHMS: ${wrong.join(', ')} cannot be used with this kind of key; allowed: ${allowed.join(', ')} ('none' never is).`,
      );
    }
    return list;
  };
  if (c.TESSERA_JWT_JWKS_FILE) {
    let jwks: { keys: Record<string, unknown>[] };
    try {
      jwks = JSON.parse(fs.readFileSync(c.TESSERA_JWT_JWKS_FILE, 'utf8')) as { keys: Record<string, unknown>[] };
    } catch (error) {
      throw new ConfigError(`TESSERA_JWT_JWKS_FILE: cannot read ${c.TESSERA_JWT_JWKS_FILE} as JSON (${(error as Error).message}).`);
    }
    if (!Array.isArray(jwks.keys) || jwks.keys.some((key) => key.kty === 'oct')) {
      throw new ConfigError('TESSERA_JWT_JWKS_FILE must hold {"keys": [...]} with public keys only (no symmetric "oct" keys).');
    }
    return { anonymousRoles, jwt: { kind: 'jwks', jwks, algorithms: algorithms(asymmetric, ['RS256', 'ES256', 'EdDSA']), ...common } };
  }
  if (c.TESSERA_JWT_PUBLIC_KEY) {
    if (!c.TESSERA_JWT_PUBLIC_KEY.includes('BEGIN PUBLIC KEY'))
      throw new ConfigError('TESSERA_JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----).');
    return { anonymousRoles, jwt: { kind: 'public-key', pem: c.TESSERA_JWT_PUBLIC_KEY, algorithms: algorithms(asymmetric, ['RS256']), ...common } };
  }
  if (c.TESSERA_JWT_SECRET) {
    return { anonymousRoles, jwt: { kind: 'secret', secret: c.TESSERA_JWT_SECRET, algorithms: algorithms(symmetric, ['HS256']), ...common } };
  }
  return { anonymousRoles, jwt: { kind: 'none' } };
}

export { builtInRoles };
