import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backends, startGameHost, type GameTestHost } from './helpers/game-test-host.ts';
import { FakeBungie, bungieError } from './helpers/bungie-server.ts';

const vendorFile = 'DestinyVendorDefinition';

describe.each(backends)('game:manifest from Bungie.net (%s)', (backend) => {
  let bungie: FakeBungie;
  let test: GameTestHost;

  beforeAll(async () => {
    bungie = await new FakeBungie().start();
  });
  afterAll(async () => {
    await bungie.stop();
  });
  beforeEach(async () => {
    bungie.requests.length = 0;
    test = await startGameHost(backend, { config: { apiKey: 'test-key', baseUrl: bungie.url } });
  });
  afterEach(async () => {
    await test.stop();
  });

  it('loads every definition type in both languages, retrying a 429 and a 500, sending the API key', async () => {
    bungie.script('/Platform/Destiny2/Manifest/', { status: 429, headers: { 'retry-after': '0' } });
    bungie.script('DestinyActivityDefinition', { status: 500, body: 'upstream exploded' });

    const run = await test.host.runJob('game:manifest', {}, 'cli');

    expect(run.status).toBe('completed_with_errors');
    expect(run.sourceVersion).toBe('230518.23.05.12.1730-1-bnet.50186');
    expect(bungie.countRequests('/Platform/Destiny2/Manifest/')).toBe(2);
    expect(bungie.countRequests('/en/DestinyActivityDefinition')).toBe(2);
    expect(bungie.requests.every((request) => request.apiKey === 'test-key')).toBe(true);
    const prisma = test.game;
    expect(await prisma.item.count()).toBe(222);
    expect(await prisma.itemText.count({ where: { lang: 'fr' } })).toBe(222);
    expect(await prisma.activity.count()).toBe(45);
    expect(await prisma.vendor.count()).toBe(30);
    expect(await prisma.destination.count()).toBe(14);
    expect(await prisma.place.count()).toBe(10);
    expect(await prisma.questStep.count()).toBe(29);
    expect(run.inserted).toBeGreaterThan(1000);
    expect(run.processed).toBe(run.total);
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('keeps the invalid records with their reasons and loads everything else', async () => {
    const run = await test.host.runJob('game:manifest', {}, 'cli');
    const invalid = await test.host.db.prisma.invalidRecord.findMany({ where: { runId: run.id }, orderBy: { recordKey: 'asc' } });

    // The Refrain-23 entry filed under the wrong key, once per language, and Ada-1's sale of an undefined item.
    expect(invalid.map((record) => [record.entity, record.recordKey, record.field])).toEqual([
      ['DestinyInventoryItemDefinition', '1363886209', 'hash'],
      ['DestinyInventoryItemDefinition', '1363886209', 'hash'],
      ['DestinyVendorDefinition', '350061650', 'itemList[2].itemHash'],
    ]);
    expect(invalid[0]?.reason).toContain('filed under key 1363886209 but its hash is 1363886208');
    expect(invalid[2]?.reason).toContain('references 2840311450, which is not in DestinyInventoryItemDefinition');
    expect(invalid.every((record) => record.suggestion.length > 20)).toBe(true);
    expect(run.invalid).toBe(3);
    // Ada-1 is loaded, without the broken sale.
    const sales = await test.game.vendorSale.findMany({ where: { vendorHash: 350061650n } });
    expect(sales.length).toBeGreaterThan(0);
    expect(sales.some((sale) => sale.vendorItemIndex === 2)).toBe(false);
  });

  it('skips when the manifest version is unchanged, and a forced reload changes nothing', async () => {
    const first = await test.host.runJob('game:manifest', {}, 'cli');
    const second = await test.host.runJob('game:manifest', {}, 'cli');
    expect(second.status).toBe('skipped');
    expect(second.message).toContain('already loaded');
    expect(bungie.countRequests('DestinyInventoryItemDefinition')).toBe(2);

    const forced = await test.host.runJob('game:manifest', { force: true, batchSize: 7 }, 'cli');
    expect(forced.status).toBe('completed_with_errors');
    expect(forced.inserted).toBe(0);
    expect(forced.updated).toBe(0);
    expect(forced.unchanged).toBe(first.inserted);
  });

  it('fails at once with a clear message when the key is refused, even with HTTP 200', async () => {
    bungie.script('/Platform/Destiny2/Manifest/', { status: 200, body: bungieError(2101, 'ApiInvalidOrExpiredKey', 'Invalid API key.') });
    const run = await test.host.runJob('game:manifest', {}, 'cli');
    expect(run.status).toBe('failed');
    expect(run.errorCode).toBe('INGEST_UPSTREAM_AUTH');
    expect(run.error).toContain('BUNGIE_API_KEY');
    expect(bungie.countRequests('/Platform/Destiny2/Manifest/')).toBe(1);
  });

  it('honours ThrottleSeconds on a throttled envelope, then succeeds', async () => {
    bungie.script('/Platform/Destiny2/Manifest/', { status: 200, body: bungieError(36, 'ThrottleLimitExceededMomentarily', 'Slow down.', 1) });
    const started = Date.now();
    const run = await test.host.runJob('game:manifest', {}, 'cli');
    expect(run.status).toBe('completed_with_errors');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('fails the run on a malformed definition file, keeping the batches already committed', async () => {
    bungie.override(`/fr/${vendorFile}`, '{"69482069": {"hash": 69482069, "displayProperties": ');
    const run = await test.host.runJob('game:manifest', {}, 'cli');

    expect(run.status).toBe('failed');
    expect(run.errorCode).toBe('INGEST_PAYLOAD_INVALID');
    expect(run.error).toContain('DestinyVendorDefinition (fr) is not valid JSON');
    const prisma = test.game;
    // Everything before the broken file is committed: all items in both languages, vendors in English.
    expect(await prisma.itemText.count({ where: { lang: 'fr' } })).toBe(222);
    expect(await prisma.vendor.count()).toBe(30);
    expect(await prisma.vendorText.count({ where: { lang: 'fr' } })).toBe(0);
    // The manifest version is not recorded, so the next run loads again instead of skipping.
    bungie.override(`/fr/${vendorFile}`, await (await fetch(`${bungie.url}${await bungie.definitionPath('en', vendorFile)}`)).text());
    const retry = await test.host.runJob('game:manifest', {}, 'cli');
    expect(retry.status).toBe('completed_with_errors');
  });

  it('gives up after the configured attempts on a persistent 503, with the status in the error', async () => {
    bungie.script('/Platform/Destiny2/Manifest/', { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    const run = await test.host.runJob('game:manifest', {}, 'cli');
    expect(run.status).toBe('failed');
    expect(run.errorCode).toBe('INGEST_UPSTREAM_UNAVAILABLE');
    expect(run.error).toContain('HTTP 503');
    expect(run.error).toContain('gave up after 4 attempts');
  });
});
