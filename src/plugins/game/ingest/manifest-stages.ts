import type { GameConfig } from '../config.ts';
import type { DestinyManifest } from './bungie-client.ts';
import { definitionKinds, kindNameOf, type DefinitionKind, type KnownSet, type RelationRow } from './definition-kinds.ts';
import type { ManifestSource } from './manifest-source.ts';
import { tables, type TableName } from './tables.ts';
import { validateDefinition } from './validate-definition.ts';
import {
  ErrorCode,
  UpstreamError,
  replaceChildren,
  upsertRows,
  type InvalidRecordInput,
  type JobContext,
  type PipelineStage,
  type Row,
  type Source,
  type SourceRecord,
  type StepResult,
} from 'tessera';

type Known = Record<KnownSet, Set<number>>;

/** A definition on its way to the tables: its main row (default language only), its text, and what was wrong. */
interface DefinitionRow extends Row {
  main: Row | null;
  text: Row | null;
  problems: InvalidRecordInput[];
}

/** A relation parent with its rows (the parent's complete set of children in that table). */
interface ParentRow extends Row {
  parent: number;
  rows: Row[];
}

/**
 * The stages of a manifest load. Per definition type (places → destinations → items → activities → vendors) and
 * language: validate, then upsert main rows and texts in batches, each batch its own transaction, so a later
 * failure never undoes committed batches. The default language's stage is a snapshot: definitions Bungie no longer
 * publishes are removed (their texts and relations with them). Then one stage per relation table (rewards, quest
 * steps, sales, costs, vendor locations), whose references are checked against what the first stages loaded; a
 * dangling reference is kept as an invalid record and its row skipped, the definition itself stays.
 */
export async function* manifestStages(
  ctx: JobContext<GameConfig>,
  source: ManifestSource,
  manifest: DestinyManifest,
  options: { languages: string[]; batchSize: number },
): AsyncGenerator<PipelineStage> {
  const [defaultLanguage, ...otherLanguages] = options.languages as [string, ...string[]];
  const known: Known = { places: new Set(), destinations: new Set(), items: new Set(), activities: new Set(), vendors: new Set() };
  const relations: RelationRow[] = [];
  const parents = new Map<TableName, Set<number>>();
  const counter = { total: 0 };

  for (const kind of definitionKinds as readonly DefinitionKind<{ hash: number }>[]) {
    for (const lang of [defaultLanguage, ...otherLanguages]) {
      const isDefault = lang === defaultLanguage;
      const textEntity = `${kind.name} text`;
      yield {
        entity: kind.name,
        schema: kind.schema,
        source: definitionFileSource(ctx, source, manifest, kind.name, lang, isDefault ? options.languages.length : 0, counter),
        transforms: [(raw: unknown, context: { key: string }) => toDefinitionRow(kind, context.key, raw, lang, isDefault, known, relations)],
        loader: {
          table: tables[isDefault ? kind.mainTable : kind.textTable],
          batchSize: options.batchSize,
          async write(client, rows, track) {
            const batch = rows as DefinitionRow[];
            const mainRows = batch.flatMap((row) => (row.main ? [row.main] : []));
            const textRows = batch.flatMap((row) => (row.text ? [row.text] : []));
            const main = isDefault ? await upsertRows(client, tables[kind.mainTable], mainRows, track) : undefined;
            const text = await upsertRows(client, tables[kind.textTable], textRows, { ...track, entity: textEntity, snapshot: false });
            return {
              inserted: (main?.inserted ?? 0) + text.inserted,
              updated: (main?.updated ?? 0) + text.updated,
              unchanged: (main?.unchanged ?? 0) + text.unchanged,
              changes: [...(main?.changes ?? []), ...text.changes],
              problems: batch.flatMap((row) => row.problems),
            };
          },
        },
        ...(isDefault ? { snapshot: true } : {}),
      };
    }
    for (const relation of kind.relationTables) parents.set(relation.table, known[kind.known]);
  }

  const { byTable, invalidByTable } = checkRelations(relations, known);
  for (const [table, parentSet] of parents) {
    const spec = tables[table];
    const parentColumn = spec.key[0] as (typeof spec.key)[number];
    yield {
      entity: relationLabel(table),
      source: relationSource(table, parentSet, byTable.get(table) ?? [], invalidByTable.get(table) ?? [], parentColumn.name),
      transforms: [],
      countProcessed: false,
      loader: {
        table: spec,
        batchSize: options.batchSize,
        write: (client, rows, track) => {
          const batch = rows as ParentRow[];
          const children = batch.flatMap((row) => row.rows);
          return replaceChildren(
            client,
            spec,
            parentColumn,
            batch.map((row) => row.parent),
            children,
            track,
          );
        },
      },
    };
  }
}

/** The entries of one definition file, read when the stage starts (a file is one JSON object keyed by hash). */
function definitionFileSource(
  ctx: JobContext<GameConfig>,
  source: ManifestSource,
  manifest: DestinyManifest,
  kindName: string,
  lang: string,
  languages: number,
  counter: { total: number },
): Source<unknown> {
  return {
    name: `${kindName} (${lang})`,
    async *read(signal): AsyncGenerator<SourceRecord<unknown>> {
      signal.throwIfAborted();
      const entries = await readDefinitionFile(source, manifest, kindName, lang);
      if (languages > 0) {
        counter.total += entries.length * languages;
        await ctx.run.setTotal(counter.total);
      }
      await ctx.run.message(`loading ${kindName} (${lang}): ${entries.length} definitions`);
      let position = 0;
      for (const [key, value] of entries) yield { ok: true, key, position: ++position, value };
    },
  };
}

function toDefinitionRow(
  kind: DefinitionKind<{ hash: number }>,
  key: string,
  raw: unknown,
  lang: string,
  isDefault: boolean,
  known: Known,
  relations: RelationRow[],
): StepResult<DefinitionRow> {
  const result = validateDefinition(kind, key, raw, lang);
  if (!result.ok) return { ok: false, invalid: { ...result.invalid, rule: result.invalid.field === 'hash' ? 'key_mismatch' : 'invalid_definition' } };
  const definition = result.definition;
  if (!isDefault) {
    // Its default-language entry was invalid (and reported): there is no row to attach a text to.
    if (!known[kind.known].has(definition.hash)) return { ok: true, value: { main: null, text: null, problems: [] } };
    return { ok: true, value: { main: null, text: kind.text(definition, lang), problems: [] } };
  }
  const mapped = kind.map(definition);
  const problems: InvalidRecordInput[] = [];
  for (const reference of mapped.columnReferences) {
    if (known[reference.set].has(reference.hash)) continue;
    mapped.main[reference.column] = null;
    problems.push(danglingReference(kind.name, definition, reference, lang, 'the reference was left empty and the definition loaded'));
  }
  relations.push(...mapped.relations);
  known[kind.known].add(definition.hash);
  return { ok: true, value: { main: mapped.main, text: kind.text(definition, lang), problems } };
}

/** Splits relation rows into those whose references exist, per table, and invalid records for the others. */
function checkRelations(relations: RelationRow[], known: Known) {
  const dropped = new Set<string>();
  const byTable = new Map<TableName, RelationRow[]>();
  const invalidByTable = new Map<TableName, InvalidRecordInput[]>();
  for (const relation of relations) {
    const missing = relation.references.find((reference) => !known[reference.set].has(reference.hash));
    if (missing || (relation.requires !== undefined && dropped.has(relation.requires))) {
      if (relation.id !== undefined) dropped.add(relation.id);
      if (missing) {
        const parentHash = Number(Object.values(relation.row)[0]);
        const invalid = invalidByTable.get(relation.table) ?? [];
        invalid.push(
          danglingReference(
            parentKindName(relation.table),
            { hash: parentHash },
            missing,
            undefined,
            `this ${relationLabel(relation.table)} was skipped; the definition was loaded`,
          ),
        );
        invalidByTable.set(relation.table, invalid);
      }
      continue;
    }
    const rows = byTable.get(relation.table) ?? [];
    rows.push(relation);
    byTable.set(relation.table, rows);
  }
  return { byTable, invalidByTable };
}

/**
 * Every parent of a relation table with its children (none for a parent that has none now, so its old children go),
 * after the relation rows skipped for a dangling reference, as invalid records.
 */
function relationSource(
  table: TableName,
  parents: Set<number>,
  relations: RelationRow[],
  invalid: InvalidRecordInput[],
  parentColumn: string,
): Source<ParentRow> {
  return {
    name: relationLabel(table),
    async *read(signal): AsyncGenerator<SourceRecord<ParentRow>> {
      let position = 0;
      for (const record of invalid) {
        yield { ok: false, key: record.recordKey, position: ++position, invalid: { ...record, rule: 'dangling_reference' } };
      }
      const rowsByParent = new Map<number, Row[]>();
      for (const relation of relations) {
        const parent = Number(relation.row[parentColumn]);
        const rows = rowsByParent.get(parent) ?? [];
        rows.push(relation.row);
        rowsByParent.set(parent, rows);
      }
      for (const parent of parents) {
        signal.throwIfAborted();
        yield { ok: true, key: String(parent), position: ++position, value: { parent, rows: rowsByParent.get(parent) ?? [] } };
      }
    },
  };
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

/** The table's name without its schema: item_reward, vendor_sale. */
export function relationLabel(table: TableName): string {
  return tables[table].table.replace(/"/g, '').replace('game.', '');
}
