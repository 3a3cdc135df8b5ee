import type { JobContext, InvalidRecordInput } from '../../../core/jobs/job.ts';
import { ErrorCode, UpstreamError } from '../../../ingest/errors.ts';
import { batches } from '../../../ingest/batches.ts';
import { inTransaction, replaceChildren, upsertRows, type Row, type UpsertCounts } from '../../../ingest/upsert.ts';
import type { GameConfig } from '../config.ts';
import type { DestinyManifest } from './bungie-client.ts';
import { definitionKinds, kindNameOf, type DefinitionKind, type KnownSet, type RelationRow } from './definition-kinds.ts';
import type { ManifestSource } from './manifest-source.ts';
import { tables, type TableName } from './tables.ts';
import { validateDefinition } from './validate-definition.ts';

export interface LoadOptions {
  languages: string[];
  batchSize: number;
}

type Known = Record<KnownSet, Set<number>>;

/**
 * Loads a manifest in two phases. Phase 1, per definition type (places → destinations → items → activities →
 * vendors) and language: validate, then upsert main rows and texts in batches, each batch its own transaction,
 * so a later failure never undoes committed batches. Phase 2: relations (rewards, quest steps, sales, costs,
 * vendor locations), whose references are checked against what phase 1 loaded; a dangling reference is kept
 * as an invalid record and its row skipped, the definition itself stays.
 */
export async function loadManifest(
  ctx: JobContext<GameConfig>,
  source: ManifestSource,
  manifest: DestinyManifest,
  options: LoadOptions,
): Promise<void> {
  const [defaultLanguage, ...otherLanguages] = options.languages as [string, ...string[]];
  const known: Known = { places: new Set(), destinations: new Set(), items: new Set(), activities: new Set(), vendors: new Set() };
  const relations: RelationRow[] = [];
  const parents = new Map<TableName, Set<number>>();
  let total = 0;

  for (const kind of definitionKinds as readonly DefinitionKind<{ hash: number }>[]) {
    for (const lang of [defaultLanguage, ...otherLanguages]) {
      throwIfAborted(ctx.signal);
      const entries = await readDefinitionFile(source, manifest, kind.name, lang);
      if (lang === defaultLanguage) {
        total += entries.length * options.languages.length;
        await ctx.run.setTotal(total);
      }
      await ctx.run.message(`loading ${kind.name} (${lang}): ${entries.length} definitions`);
      for (const batch of batches(entries, options.batchSize)) {
        throwIfAborted(ctx.signal);
        const invalid: InvalidRecordInput[] = [];
        const mainRows: Row[] = [];
        const textRows: Row[] = [];
        for (const [key, raw] of batch) {
          const result = validateDefinition(kind, key, raw, lang);
          if (!result.ok) {
            invalid.push(result.invalid);
            continue;
          }
          const definition = result.definition;
          if (lang === defaultLanguage) {
            const mapped = kind.map(definition);
            for (const reference of mapped.columnReferences) {
              if (known[reference.set].has(reference.hash)) continue;
              mapped.main[reference.column] = null;
              invalid.push(danglingReference(kind.name, definition, reference, lang, 'the reference was left empty and the definition loaded'));
            }
            mainRows.push(mapped.main);
            relations.push(...mapped.relations);
            known[kind.known].add(definition.hash);
          } else if (!known[kind.known].has(definition.hash)) {
            // Its default-language entry was invalid (and reported): there is no row to attach a text to.
            continue;
          }
          textRows.push(kind.text(definition, lang));
        }
        const counts = await inTransaction(ctx.db.pool, async (client) => {
          const main = mainRows.length > 0 ? await upsertRows(client, tables[kind.mainTable], mainRows) : zero();
          const text = await upsertRows(client, tables[kind.textTable], textRows);
          return add(main, text);
        });
        await ctx.run.invalid(invalid);
        await ctx.run.progress(kind.name, batch.length, counts);
      }
    }
    for (const relation of kind.relationTables) parents.set(relation.table, known[kind.known]);
  }

  await ctx.run.message(`loading relations: ${relations.length} rows`);
  await loadRelations(ctx, relations, parents, known, options.batchSize);
  // Fresh statistics now rather than whenever autovacuum gets to it: a bulk load leaves the planner guessing.
  await ctx.run.message('updating table statistics');
  await ctx.db.pool.query(
    `ANALYZE ${Object.values(tables)
      .map((spec) => spec.table)
      .join(', ')}`,
  );
}

async function loadRelations(
  ctx: JobContext<GameConfig>,
  relations: RelationRow[],
  parents: Map<TableName, Set<number>>,
  known: Known,
  batchSize: number,
) {
  const dropped = new Set<string>();
  const invalid: InvalidRecordInput[] = [];
  const byTable = new Map<TableName, RelationRow[]>();
  for (const relation of relations) {
    const missing = relation.references.find((reference) => !known[reference.set].has(reference.hash));
    if (missing || (relation.requires !== undefined && dropped.has(relation.requires))) {
      if (relation.id !== undefined) dropped.add(relation.id);
      if (missing) {
        const parentHash = Number(Object.values(relation.row)[0]);
        invalid.push(
          danglingReference(
            parentKindName(relation.table),
            { hash: parentHash },
            missing,
            undefined,
            `this ${relationLabel(relation.table)} was skipped; the definition was loaded`,
          ),
        );
      }
      continue;
    }
    const rows = byTable.get(relation.table) ?? [];
    rows.push(relation);
    byTable.set(relation.table, rows);
  }
  await ctx.run.invalid(invalid);
  for (const [table, parentSet] of parents) {
    const spec = tables[table];
    const parentColumn = spec.key[0] as (typeof spec.key)[number];
    const rowsByParent = new Map<number, Row[]>();
    for (const relation of byTable.get(table) ?? []) {
      const parent = Number(relation.row[parentColumn.name]);
      const rows = rowsByParent.get(parent) ?? [];
      rows.push(relation.row);
      rowsByParent.set(parent, rows);
    }
    for (const parentBatch of batches([...parentSet], batchSize)) {
      throwIfAborted(ctx.signal);
      const rows = parentBatch.flatMap((parent) => rowsByParent.get(parent) ?? []);
      const counts = await inTransaction(ctx.db.pool, (client) => replaceChildren(client, spec, parentColumn, parentBatch, rows));
      await ctx.run.progress(relationLabel(table), 0, counts);
    }
  }
}

async function readDefinitionFile(source: ManifestSource, manifest: DestinyManifest, kindName: string, lang: string): Promise<[string, unknown][]> {
  const paths = manifest.jsonWorldComponentContentPaths[lang];
  if (!paths) {
    throw new UpstreamError(
      ErrorCode.INGEST_PAYLOAD_INVALID,
      `The manifest has no language '${lang}' (it has ${Object.keys(manifest.jsonWorldComponentContentPaths).join(', ')}): fix TESSERA_GAME_LANGUAGES or --lang.`,
    );
  }
  const contentPath = paths[kindName];
  if (!contentPath) throw new UpstreamError(ErrorCode.INGEST_PAYLOAD_INVALID, `The manifest lists no ${kindName} file for language '${lang}'.`);
  const label = `${kindName} (${lang})`;
  const file = await source.definitions(contentPath, label);
  if (typeof file !== 'object' || file === null || Array.isArray(file)) {
    throw new UpstreamError(ErrorCode.INGEST_PAYLOAD_INVALID, `${label} at ${contentPath} is not a JSON object keyed by hash.`);
  }
  return Object.entries(file);
}

function danglingReference(
  entity: string,
  definition: { hash: number },
  reference: { set: KnownSet; hash: number; field: string },
  lang: string | undefined,
  consequence: string,
): InvalidRecordInput {
  return {
    entity,
    recordKey: String(definition.hash),
    ...(lang ? { lang } : {}),
    field: reference.field,
    reason: `${reference.field} references ${reference.hash}, which is not in ${kindNameOf[reference.set]}; ${consequence}`,
    suggestion: `If ${reference.hash} is new upstream, run the job again once Bungie publishes it (with --force); otherwise the reference is broken in Bungie's data and can be ignored.`,
    payload: { hash: definition.hash, field: reference.field, missingHash: reference.hash },
  };
}

function parentKindName(table: TableName): string {
  return table.startsWith('vendor') ? kindNameOf.vendors : table === 'activityReward' ? kindNameOf.activities : kindNameOf.items;
}

function relationLabel(table: TableName): string {
  return tables[table].table.replace(/"/g, '').replace('game.', '');
}

function zero(): UpsertCounts {
  return { inserted: 0, updated: 0, unchanged: 0 };
}

function add(a: UpsertCounts, b: UpsertCounts): UpsertCounts {
  return { inserted: a.inserted + b.inserted, updated: a.updated + b.updated, unchanged: a.unchanged + b.unchanged };
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
}
