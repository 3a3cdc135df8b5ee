import os from 'node:os';
import { loadCoreConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { configuredDatabase, openDatabase, type Database } from '../core/database/database.ts';
import { applyMigrations } from '../core/database/migrate.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../core/auth/api-keys.ts';
import { createAuditLog } from '../core/auth/audit-log.ts';
import type { Identity } from '../core/auth/identity.ts';
import { BadUserInputError } from '../core/errors.ts';

/** Whoever runs the CLI on the machine: key management from the shell is audited under their login. */
const operator = (): Identity => ({ kind: 'user', id: `cli:${os.userInfo().username}`, name: os.userInfo().username, roles: ['admin'] });

async function withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
  const config = loadCoreConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const db = await openDatabase(configuredDatabase(config, logger));
  try {
    await applyMigrations(db.pool, logger);
    return await work(db);
  } finally {
    await db.close();
  }
}

/** `tessera keys create --name <name> --roles <r1,r2> [--expires-in-days N]`: prints the key once. */
export async function createKeyCommand(flags: { name: string; roles: string; expiresInDays?: number }): Promise<void> {
  await withDatabase(async (db) => {
    const roles = flags.roles
      .split(',')
      .map((role) => role.trim())
      .filter(Boolean);
    const expiresAt = flags.expiresInDays ? new Date(Date.now() + flags.expiresInDays * 86_400_000) : null;
    const { key, record } = await createApiKey(db.prisma, { name: flags.name, roles, expiresAt, createdBy: `cli:${os.userInfo().username}` });
    const audit = createAuditLog(db.prisma, createLogger('warn'));
    audit.record({ identity: operator(), action: 'cli keys create', outcome: 'allowed', details: { keyId: record.id, roles } });
    await audit.flush();
    process.stdout.write(
      `Created API key ${record.id} (${record.name}; roles ${record.roles.join(', ')}${expiresAt ? `; expires ${expiresAt.toISOString()}` : ''}).\n` +
        `Key (shown only now, store it safely):\n${key}\n` +
        `Use it as: Authorization: Bearer ${key.slice(0, 8)}…\n`,
    );
  });
}

/** `tessera keys list [--all]`. */
export async function listKeysCommand(flags: { all?: boolean }): Promise<void> {
  await withDatabase(async (db) => {
    const keys = await listApiKeys(db.prisma, { includeRevoked: flags.all ?? false });
    if (keys.length === 0)
      return void process.stdout.write('No API keys. Create the first admin key with: tessera keys create --name admin --roles admin\n');
    for (const key of keys) {
      const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : key.expiresAt && key.expiresAt < new Date() ? 'expired' : 'active';
      process.stdout.write(`${key.id}  ${key.name}  [${key.roles.join(',')}]  ${state}  last used ${key.lastUsedAt?.toISOString() ?? 'never'}\n`);
    }
  });
}

/** `tessera keys revoke <id>`. */
export async function revokeKeyCommand(id: string): Promise<void> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new BadUserInputError(`Invalid key id ${JSON.stringify(id)}: use an id from \`tessera keys list\`.`);
  await withDatabase(async (db) => {
    const record = await revokeApiKey(db.prisma, id);
    if (!record) throw new BadUserInputError(`No API key has the id ${id}.`);
    const audit = createAuditLog(db.prisma, createLogger('warn'));
    audit.record({ identity: operator(), action: 'cli keys revoke', outcome: 'allowed', details: { keyId: id } });
    await audit.flush();
    process.stdout.write(`Revoked API key ${id} (${record.name}).\n`);
  });
}
