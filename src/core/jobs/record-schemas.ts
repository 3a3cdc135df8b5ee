import type { PrismaClient } from '../database/database.ts';

/** A record schema as the registry stores it. */
export interface RecordSchemaDescription {
  jsonSchema: Record<string, unknown>;
  /** Declared field paths, parents before children. */
  fields: string[];
  /** The paths every record must have (a child only when its parent is required too). */
  required: string[];
  /** SHA-256 of the canonical JSON Schema. */
  fingerprint: string;
}

/** A registered version of a job's record schema for one entity. */
export interface RegisteredRecordSchema extends RecordSchemaDescription {
  job: string;
  entity: string;
  version: number;
  /** Whether this run registered it (the declaration changed since the last run). */
  created: boolean;
}

/** The record schema versions of one job. */
export interface RecordSchemaRegistry {
  /** The version of `description` for the entity, registering the next version when the declaration changed. */
  register(entity: string, description: RecordSchemaDescription): Promise<RegisteredRecordSchema>;
}

/** The registry of `job`, stored in the host's `core.record_schema`. */
export function recordSchemaRegistry(prisma: PrismaClient, job: string): RecordSchemaRegistry {
  return { register: (entity, description) => registerRecordSchema(prisma, job, entity, description) };
}

/**
 * Returns the registered version of `description` for the job's entity, registering a new version (the last + 1)
 * when the declaration changed. The same declaration always gets the same version, whichever instance asks first.
 */
export async function registerRecordSchema(
  prisma: PrismaClient,
  job: string,
  entity: string,
  description: RecordSchemaDescription,
): Promise<RegisteredRecordSchema> {
  for (let attempt = 0; ; attempt++) {
    const existing = await prisma.recordSchema.findUnique({
      where: { job_entity_fingerprint: { job, entity, fingerprint: description.fingerprint } },
    });
    if (existing) return { ...description, job, entity, version: existing.version, created: false };
    const latest = await prisma.recordSchema.findFirst({ where: { job, entity }, orderBy: { version: 'desc' }, select: { version: true } });
    try {
      const created = await prisma.recordSchema.create({
        data: {
          job,
          entity,
          version: (latest?.version ?? 0) + 1,
          fingerprint: description.fingerprint,
          jsonSchema: description.jsonSchema as object,
          fields: description.fields,
        },
      });
      return { ...description, job, entity, version: created.version, created: true };
    } catch (error) {
      // Another instance registered a version at the same moment: read again.
      if ((error as { code?: string }).code !== 'P2002' || attempt >= 3) throw error;
    }
  }
}
