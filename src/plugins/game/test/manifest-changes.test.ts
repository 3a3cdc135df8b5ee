import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backends, startGameHost, type GameTestHost } from './helpers/game-test-host.ts';
import { FakeBungie } from './helpers/bungie-server.ts';
import { sampleDefinitions } from './helpers/sample.ts';
import { defaultSampleDir } from '../config.ts';

const itemKind = 'DestinyInventoryItemDefinition';

/** A quest step: no other definition refers to it by column, so removing it only takes its own rows. */
function pickItems() {
  const en = sampleDefinitions('en', itemKind);
  const hashes = Object.keys(en);
  const rewarded = new Set(
    Object.values(en).flatMap((item) => (item.value?.itemValue ?? []).map((entry: { itemHash: number }) => String(entry.itemHash))),
  );
  const removed = hashes.find((hash) => !rewarded.has(hash) && en[hash]?.itemType !== 12) as string;
  const renamed = hashes.find((hash) => hash !== removed) as string;
  return { removed, renamed };
}

describe.each(backends)('game:manifest when Bungie publishes a new version (%s)', (backend) => {
  let bungie: FakeBungie;
  let test: GameTestHost;
  beforeAll(async () => {
    bungie = await new FakeBungie().start();
  });
  afterAll(async () => {
    await bungie.stop();
  });
  afterEach(async () => {
    await test.stop();
  });

  it('removes definitions it no longer has, records what changed, and reports the new upstream field', async () => {
    test = await startGameHost(backend, { config: { apiKey: 'test-key', baseUrl: bungie.url } });
    const first = await test.host.runJob('game:manifest', {}, 'cli');
    expect(first.status).toBe('completed_with_errors');
    expect(first.schemaVersions).toMatchObject({ [itemKind]: 1 });
    const prisma = test.game;
    const items = await prisma.item.count();
    // Every entry of the file, the invalid ones included, is compared with the schema.
    const entries = Object.keys(sampleDefinitions('en', itemKind)).length;

    // The next version: one item gone, one renamed in English, and a field Bungie added to every item.
    const { removed, renamed } = pickItems();
    const manifest = JSON.parse(fs.readFileSync(path.join(defaultSampleDir, 'manifest.json'), 'utf8'));
    manifest.Response.version = `${manifest.Response.version}-next`;
    bungie.override('/Platform/Destiny2/Manifest/', JSON.stringify(manifest));
    for (const lang of ['en', 'fr'] as const) {
      const definitions = sampleDefinitions(lang, itemKind);
      delete definitions[removed];
      for (const definition of Object.values(definitions)) definition.collectibleStatus = { unlocked: false };
      if (lang === 'en') (definitions[renamed] as { displayProperties: { name: string } }).displayProperties.name = 'Renamed Upstream';
      bungie.override(await bungie.definitionPath(lang, itemKind), JSON.stringify(definitions));
    }

    const second = await test.host.runJob('game:manifest', {}, 'cli');
    expect(second.error).toBeNull();
    expect(second.sourceVersion).toMatch(/-next$/);
    expect(second.removed).toBe(1);
    expect(await prisma.item.count()).toBe(items - 1);
    expect(await prisma.item.findUnique({ where: { hash: BigInt(removed) } })).toBeNull();
    expect(await prisma.itemText.count({ where: { itemHash: BigInt(removed) } })).toBe(0);

    const changes = await test.host.db.prisma.ingestChange.findMany({ where: { runId: second.id }, orderBy: { id: 'asc' } });
    const summary = changes.map(({ entity, kind, keys }) => ({ entity, kind, keys }));
    expect(summary).toEqual([
      { entity: `${itemKind} text`, kind: 'changed', keys: [`[${renamed}, "en"]`] },
      { entity: itemKind, kind: 'removed', keys: [removed] },
    ]);
    const shape = second.shapeChanges as { entity: string; added: { field: string; records: number }[]; missing: unknown[] }[];
    expect(shape).toEqual([
      expect.objectContaining({ entity: itemKind, added: [{ field: 'collectibleStatus', records: entries - 1 }], missing: [] }),
    ]);

    // The same version again: skipped, nothing written.
    const third = await test.host.runJob('game:manifest', {}, 'cli');
    expect(third.status).toBe('skipped');
    expect(await test.host.db.prisma.ingestChange.count({ where: { runId: third.id } })).toBe(0);
  });
});
