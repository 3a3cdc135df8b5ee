import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKey } from '../../generated/prisma/client.ts';
import type { PrismaClient } from '../database/database.ts';
import { BadUserInputError } from '../errors.ts';
import type { Identity } from './identity.ts';
import { invalidRoles } from './roles.ts';

/** Keys look like `tsk_<lookup>_<secret>`: the lookup finds the row, the secret is only ever stored digested. */
const keyPattern = /^tsk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

// Key secrets are 256 random bits, so a fast digest is safe (no dictionary to attack); SHA-256 as GitHub does.
const digest = (secret: string) => createHash('sha256').update(secret).digest();

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith('tsk_');
}

export interface CreatedApiKey {
  /** The key itself: shown once, never stored. */
  key: string;
  record: ApiKey;
}

export async function createApiKey(
  prisma: PrismaClient,
  input: { name: string; roles: string[]; expiresAt?: Date | null; createdBy?: string | null },
): Promise<CreatedApiKey> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100) throw new BadUserInputError('A key needs a name of 1 to 100 characters.');
  if (input.roles.length === 0) throw new BadUserInputError('A key needs at least one role, e.g. viewer, analyst, operator or admin.');
  const wrong = invalidRoles(input.roles);
  if (wrong.length > 0) throw new BadUserInputError(`Invalid role names: ${wrong.join(', ')}. Roles are lowercase, like viewer or operator.`);
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw new BadUserInputError('expiresAt must be in the future.');
  const lookup = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  const record = await prisma.apiKey.create({
    data: {
      lookup,
      secretHash: digest(secret).toString('hex'),
      name,
      roles: [...new Set(input.roles)],
      expiresAt: input.expiresAt ?? null,
      createdBy: input.createdBy ?? null,
    },
  });
  return { key: `tsk_${lookup}_${secret}`, record };
}

/**
 * The identity of a key, or null when it is malformed, unknown, revoked or expired (callers do not learn which:
 * the reason goes to the log, not to whoever holds the key). Comparison is constant-time.
 */
export async function verifyApiKey(prisma: PrismaClient, key: string): Promise<{ identity: Identity | null; reason?: string }> {
  const match = keyPattern.exec(key);
  if (!match) return { identity: null, reason: 'malformed' };
  const [, lookup, secret] = match as unknown as [string, string, string];
  const record = await prisma.apiKey.findUnique({ where: { lookup } });
  const expected = record ? Buffer.from(record.secretHash, 'hex') : randomBytes(32);
  const equal = timingSafeEqual(digest(secret), expected);
  if (!record || !equal) return { identity: null, reason: 'unknown' };
  if (record.revokedAt) return { identity: null, reason: 'revoked' };
  if (record.expiresAt && record.expiresAt.getTime() <= Date.now()) return { identity: null, reason: 'expired' };
  // lastUsedAt is a hint, not an audit trail: written at most once a minute per key.
  if (!record.lastUsedAt || Date.now() - record.lastUsedAt.getTime() > 60_000) {
    await prisma.apiKey.update({ where: { id: record.id }, data: { lastUsedAt: new Date() } });
  }
  return { identity: { kind: 'key', id: record.id, name: record.name, roles: record.roles, expiresAt: record.expiresAt ?? undefined } };
}

export async function revokeApiKey(prisma: PrismaClient, id: string): Promise<ApiKey | null> {
  const record = await prisma.apiKey.findUnique({ where: { id } });
  if (!record) return null;
  if (record.revokedAt) return record;
  return prisma.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
}

export function listApiKeys(prisma: PrismaClient, options: { includeRevoked?: boolean } = {}): Promise<ApiKey[]> {
  return prisma.apiKey.findMany({ where: options.includeRevoked ? {} : { revokedAt: null }, orderBy: { createdAt: 'desc' } });
}
