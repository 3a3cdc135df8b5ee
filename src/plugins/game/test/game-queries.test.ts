import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, query, startGameHost, type GameTestHost } from './helpers/game-test-host.ts';
import { sampleDefinitions } from './helpers/sample.ts';

const items = sampleDefinitions('en', 'DestinyInventoryItemDefinition');
const itemsFr = sampleDefinitions('fr', 'DestinyInventoryItemDefinition');
const vendors = sampleDefinitions('en', 'DestinyVendorDefinition');
const activities = sampleDefinitions('en', 'DestinyActivityDefinition');
const destinations = sampleDefinitions('en', 'DestinyDestinationDefinition');
const places = sampleDefinitions('en', 'DestinyPlaceDefinition');

const GJALLARHORN = 486171003;
const GLIMMER = 3159615086;
const ZAVALA = 69482069;
const THE_WHISPER_QUEST = 199420833;
const ARMS_DEALER = 100163637;
const NESSUS = 136787852;
const MOON = 261322485;

describe.each(backends)('game queries (%s)', (backend) => {
  let test: GameTestHost;

  beforeAll(async () => {
    test = await startGameHost(backend);
    const run = await test.host.runJob('game:manifest', {}, 'cli');
    expect(run.status).toBe('completed_with_errors');
  });
  afterAll(async () => {
    await test.stop();
  });

  it('reads every item field, with hashes above 2^31 intact', async () => {
    const source = items[GJALLARHORN] as Record<string, any>;
    const data = await query<{ item: Record<string, unknown> }>(
      test,
      `query($hash: BungieHash!) { item(hash: $hash) {
        hash index redacted name description flavorText icon screenshot lang
        itemType itemSubType tierType type tier classType isCurrency
        itemTypeDisplayName tierTypeName itemTypeAndTierDisplayName
        bucketTypeHash maxStackSize itemCategoryHashes defaultDamageTypeHash seasonHash collectibleHash questlineItemHash
      } }`,
      { hash: GJALLARHORN },
    );
    expect(data.item).toEqual({
      hash: GJALLARHORN,
      index: source.index,
      redacted: false,
      name: 'Gjallarhorn',
      description: source.displayProperties.description,
      flavorText: source.flavorText,
      icon: source.displayProperties.icon,
      screenshot: source.screenshot,
      lang: 'en',
      itemType: 3,
      itemSubType: source.itemSubType,
      tierType: 6,
      type: 'WEAPON',
      tier: 'EXOTIC',
      classType: 'ANY',
      isCurrency: false,
      itemTypeDisplayName: source.itemTypeDisplayName,
      tierTypeName: 'Exotic',
      itemTypeAndTierDisplayName: source.itemTypeAndTierDisplayName,
      bucketTypeHash: source.inventory.bucketTypeHash,
      maxStackSize: source.inventory.maxStackSize,
      itemCategoryHashes: source.itemCategoryHashes,
      defaultDamageTypeHash: source.defaultDamageTypeHash,
      seasonHash: source.seasonHash,
      collectibleHash: source.collectibleHash,
      questlineItemHash: null,
    });
    const big = Object.values(items).find((item) => item.hash > 2 ** 31) as Record<string, any>;
    const bigItem = await query<{ item: { hash: number; name: string } }>(test, `{ item(hash: "${big.hash}") { hash name } }`);
    expect(bigItem.item).toEqual({ hash: big.hash, name: big.displayProperties.name });
  });

  it('refuses an invalid hash with a clear error and returns null for an unknown one', async () => {
    const bad = await test.post('{ item(hash: "4294967296") { hash } }');
    expect(bad.body.errors?.[0]?.message).toContain('expected an integer from 0 to 4294967295');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const badVariable = await test.post('query($hash: BungieHash!) { item(hash: $hash) { hash } }', { hash: -5 });
    expect(badVariable.status).toBe(400);
    expect(badVariable.body.errors?.[0]?.message).toContain('Invalid BungieHash -5');
    expect(badVariable.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const missing = await query<{ item: null }>(test, '{ item(hash: 1) { hash } }');
    expect(missing.item).toBeNull();
  });

  it('localizes by argument, by Accept-Language, and falls back to the default language', async () => {
    const french = itemsFr[GLIMMER]?.displayProperties.name as string;
    expect(french).not.toBe('Glimmer');
    const byArgument = await query<{ item: { name: string; lang: string } }>(test, `{ item(hash: ${GLIMMER}, lang: "fr") { name lang } }`);
    expect(byArgument.item).toEqual({ name: french, lang: 'fr' });
    const byHeader = await query<{ item: { name: string } }>(
      test,
      `{ item(hash: ${GLIMMER}) { name } }`,
      {},
      { 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' },
    );
    expect(byHeader.item.name).toBe(french);
    const notLoaded = await query<{ item: { name: string; lang: string } }>(
      test,
      `{ item(hash: ${GLIMMER}) { name lang } }`,
      {},
      { 'accept-language': 'de-DE' },
    );
    expect(notLoaded.item).toEqual({ name: 'Glimmer', lang: 'en' });
    const unknown = await test.post(`{ item(hash: ${GLIMMER}, lang: "xx") { name } }`);
    expect(unknown.body.errors?.[0]?.message).toContain('Unknown language "xx"');
    // Children inherit the language of their parent.
    const withRewards = await query<{ item: { rewards: { quantity: number; item: { hash: number } }[] } }>(
      test,
      `{ item(hash: ${THE_WHISPER_QUEST}) { rewards { quantity item { hash } } } }`,
    );
    expect(withRewards.item.rewards.map((reward) => reward.item.hash)).toEqual(
      items[THE_WHISPER_QUEST]?.value.itemValue
        .filter((reward: { itemHash: number }) => reward.itemHash !== 0)
        .map((reward: { itemHash: number }) => reward.itemHash),
    );
    const nested = await query<{ vendor: { name: string; sales: { costs: { currency: { name: string } }[] }[] } }>(
      test,
      `{ vendor(hash: ${ZAVALA}, lang: "fr") { name sales { costs { currency { name } } } } }`,
    );
    expect(nested.vendor.name).toBe(sampleDefinitions('fr', 'DestinyVendorDefinition')[ZAVALA]?.displayProperties.name);
    expect(nested.vendor.sales[0]?.costs[0]?.currency.name).toBe(french);
  });

  it('pages items with filters, sorting, cursors both ways and totalCount', async () => {
    const exotics = Object.values(items).filter((item) => item.inventory?.tierType === 6 && item.itemType === 3);
    const expected = exotics.map((item) => item.displayProperties.name as string).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const page = `query($after: String, $before: String, $first: Int, $last: Int) {
      items(first: $first, after: $after, last: $last, before: $before, filter: { types: [WEAPON], tiers: [EXOTIC] }, sort: { field: NAME, direction: ASC }) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name tier type } }
      } }`;
    type Page = {
      items: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
        edges: { cursor: string; node: { name: string } }[];
      };
    };
    const first = await query<Page>(test, page, { first: 10 });
    expect(first.items.totalCount).toBe(exotics.length);
    expect(first.items.edges.map((edge) => edge.node.name)).toEqual(expected.slice(0, 10));
    expect(first.items.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await query<Page>(test, page, { first: 10, after: first.items.pageInfo.endCursor });
    expect(second.items.edges.map((edge) => edge.node.name)).toEqual(expected.slice(10, 20));
    expect(second.items.pageInfo.hasPreviousPage).toBe(true);
    const back = await query<Page>(test, page, { last: 5, before: second.items.pageInfo.startCursor });
    expect(back.items.edges.map((edge) => edge.node.name)).toEqual(expected.slice(5, 10));

    const search = await query<{ items: { nodes: { name: string }[] } }>(test, '{ items(filter: { nameContains: "HORN" }) { nodes { name } } }');
    expect(search.items.nodes.map((node) => node.name)).toContain('Gjallarhorn');
    expect(search.items.nodes.every((node) => node.name.toLowerCase().includes('horn'))).toBe(true);

    const byTier = await query<{ items: { nodes: { tierType: number; hash: number }[] } }>(
      test,
      '{ items(first: 500, sort: { field: TIER, direction: DESC }, filter: { minTier: RARE }) { nodes { tierType hash } } }',
    );
    const tiers = byTier.items.nodes.map((node) => node.tierType);
    expect(tiers).toEqual([...tiers].sort((a, b) => b - a));
    expect(Math.min(...tiers)).toBe(4);

    const currencies = await query<{ currencies: { totalCount: number; nodes: { isCurrency: boolean; hash: number }[] } }>(
      test,
      '{ currencies(first: 50) { totalCount nodes { isCurrency hash } } }',
    );
    expect(currencies.currencies.totalCount).toBe(Object.values(items).filter((item) => item.itemType === 1).length);
    expect(currencies.currencies.nodes.map((node) => node.hash)).toContain(GLIMMER);

    const tooMany = await test.post('{ items(first: 501) { totalCount } }');
    expect(tooMany.body.errors?.[0]?.message).toContain('between 0 and 500');
    const badCursor = await test.post('{ items(after: "not-a-cursor") { totalCount } }');
    expect(badCursor.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('reads vendors, their sales and costs, and the vendors selling an item', async () => {
    const source = vendors[ZAVALA] as Record<string, any>;
    const data = await query<{ vendor: Record<string, any> }>(
      test,
      `{ vendor(hash: ${ZAVALA}) {
        hash index redacted name description subtitle icon vendorIdentifier enabled visible factionHash resetIntervalMinutes
        locations { hash name }
        sales { vendorItemIndex quantity categoryIndex vendor { hash } item { hash name } costs { quantity currency { hash name isCurrency } } }
      } }`,
    );
    expect(data.vendor).toMatchObject({
      hash: ZAVALA,
      index: source.index,
      redacted: false,
      name: 'Commander Zavala',
      description: source.displayProperties.description,
      subtitle: source.displayProperties.subtitle,
      icon: source.displayProperties.icon,
      vendorIdentifier: source.vendorIdentifier,
      enabled: source.enabled,
      visible: source.visible,
      factionHash: source.factionHash,
      resetIntervalMinutes: source.resetIntervalMinutes,
    });
    expect(data.vendor.locations.map((location: { hash: number }) => location.hash)).toEqual(
      source.locations.map((location: { destinationHash: number }) => location.destinationHash),
    );
    expect(data.vendor.sales).toHaveLength(source.itemList.length);
    const [firstSale] = data.vendor.sales;
    const sourceSale = source.itemList[0];
    expect(firstSale).toEqual({
      vendorItemIndex: sourceSale.vendorItemIndex,
      quantity: sourceSale.quantity,
      categoryIndex: sourceSale.categoryIndex,
      vendor: { hash: ZAVALA },
      item: { hash: sourceSale.itemHash, name: items[sourceSale.itemHash]?.displayProperties.name },
      costs: sourceSale.currencies.map((cost: { itemHash: number; quantity: number }) => ({
        quantity: cost.quantity,
        currency: { hash: cost.itemHash, name: items[cost.itemHash]?.displayProperties.name, isCurrency: true },
      })),
    });

    const sellers = Object.values(vendors).filter((vendor) => vendor.itemList.some((sale: { itemHash: number }) => sale.itemHash === GJALLARHORN));
    const soldBy = await query<{ item: { soldBy: { vendor: { name: string } }[] } }>(
      test,
      `{ item(hash: ${GJALLARHORN}) { soldBy { vendor { name } } } }`,
    );
    expect(soldBy.item.soldBy.map((sale) => sale.vendor.name).sort()).toEqual(sellers.map((vendor) => vendor.displayProperties.name).sort());

    const list = await query<{ vendors: { totalCount: number; nodes: { name: string }[] } }>(
      test,
      `{ vendors(first: 100, filter: { sellsItemHash: ${GJALLARHORN} }) { totalCount nodes { name } } }`,
    );
    expect(list.vendors.totalCount).toBe(sellers.length);
    const all = await query<{ vendors: { totalCount: number } }>(test, '{ vendors { totalCount } }');
    expect(all.vendors.totalCount).toBe(Object.keys(vendors).length);
  });

  it('reads activities with destination, place and rewards, and the activities rewarding an item', async () => {
    const source = activities[ARMS_DEALER] as Record<string, any>;
    const data = await query<{ activity: Record<string, any> }>(
      test,
      `{ activity(hash: ${ARMS_DEALER}) {
        hash index redacted name description icon activityTypeHash activityLightLevel tier isPvP isPlaylist pgcrImage releaseTime activityModeTypes
        destination { hash name } place { hash name }
        rewards { quantity activity { hash } item { hash } }
      } }`,
    );
    expect(data.activity).toEqual({
      hash: ARMS_DEALER,
      index: source.index,
      redacted: false,
      name: source.displayProperties.name,
      description: source.displayProperties.description,
      icon: source.displayProperties.icon,
      activityTypeHash: source.activityTypeHash,
      activityLightLevel: source.activityLightLevel,
      tier: source.tier,
      isPvP: source.isPvP,
      isPlaylist: source.isPlaylist,
      pgcrImage: source.pgcrImage,
      releaseTime: source.releaseTime,
      activityModeTypes: source.activityModeTypes,
      destination: { hash: source.destinationHash, name: destinations[source.destinationHash]?.displayProperties.name },
      place: { hash: source.placeHash, name: places[source.placeHash]?.displayProperties.name },
      rewards: source.rewards.flatMap((group: { rewardItems: { itemHash: number; quantity: number }[] }) =>
        group.rewardItems.map((reward) => ({ quantity: reward.quantity, activity: { hash: ARMS_DEALER }, item: { hash: reward.itemHash } })),
      ),
    });
    const rewarded = source.rewards[1].rewardItems[0].itemHash as number;
    const expected = Object.values(activities).filter((activity) =>
      (activity.rewards ?? []).some((group: { rewardItems: { itemHash: number }[] }) =>
        group.rewardItems.some((reward) => reward.itemHash === rewarded),
      ),
    );
    const byItem = await query<{ item: { rewardedBy: { activity: { hash: number } }[] } }>(
      test,
      `{ item(hash: ${rewarded}) { rewardedBy { activity { hash } } } }`,
    );
    expect(new Set(byItem.item.rewardedBy.map((reward) => reward.activity.hash))).toEqual(new Set(expected.map((activity) => activity.hash)));
    const filtered = await query<{ activities: { totalCount: number } }>(
      test,
      `{ activities(filter: { rewardsItemHash: ${rewarded} }) { totalCount } }`,
    );
    expect(filtered.activities.totalCount).toBe(expected.length);
    const pvp = await query<{ activities: { totalCount: number; nodes: { isPvP: boolean }[] } }>(
      test,
      '{ activities(first: 100, filter: { isPvP: true }) { totalCount nodes { isPvP } } }',
    );
    expect(pvp.activities.totalCount).toBe(Object.values(activities).filter((activity) => activity.isPvP).length);
    expect(pvp.activities.nodes.every((node) => node.isPvP)).toBe(true);
  });

  it('reads destinations and places both ways', async () => {
    const source = destinations[NESSUS] as Record<string, any>;
    const data = await query<{ destination: Record<string, any> }>(
      test,
      `{ destination(hash: ${NESSUS}) { hash index redacted name description icon defaultFreeroamActivityHash place { hash } activities { hash } vendors { hash } } }`,
    );
    expect(data.destination).toMatchObject({
      hash: NESSUS,
      index: source.index,
      redacted: false,
      name: 'Nessus',
      description: source.displayProperties.description,
      icon: source.displayProperties.icon,
      defaultFreeroamActivityHash: source.defaultFreeroamActivityHash,
      place: { hash: source.placeHash },
    });
    expect(data.destination.activities.map((activity: { hash: number }) => activity.hash).sort()).toEqual(
      Object.values(activities)
        .filter((activity) => activity.destinationHash === NESSUS)
        .map((activity) => activity.hash)
        .sort(),
    );
    expect(data.destination.vendors.map((vendor: { hash: number }) => vendor.hash).sort()).toEqual(
      Object.values(vendors)
        .filter((vendor) => vendor.locations.some((location: { destinationHash: number }) => location.destinationHash === NESSUS))
        .map((vendor) => vendor.hash)
        .sort(),
    );
    const moon = await query<{ place: Record<string, any> }>(
      test,
      `{ place(hash: ${MOON}) { hash index redacted name description icon destinations { hash } } }`,
    );
    expect(moon.place).toMatchObject({
      hash: MOON,
      name: 'The Moon',
      index: places[MOON]?.index,
      redacted: false,
      icon: places[MOON]?.displayProperties.icon,
      description: places[MOON]?.displayProperties.description,
    });
    expect(moon.place.destinations.map((destination: { hash: number }) => destination.hash).sort()).toEqual(
      Object.values(destinations)
        .filter((destination) => destination.placeHash === MOON)
        .map((destination) => destination.hash)
        .sort(),
    );
    const lists = await query<{ destinations: { totalCount: number }; places: { totalCount: number; nodes: { name: string }[] } }>(
      test,
      `{ destinations(filter: { placeHash: ${MOON} }) { totalCount } places(sort: { field: NAME, direction: DESC }, first: 3) { totalCount nodes { name } } }`,
    );
    expect(lists.destinations.totalCount).toBe(Object.values(destinations).filter((destination) => destination.placeHash === MOON).length);
    expect(lists.places.totalCount).toBe(Object.keys(places).length);
    const names = lists.places.nodes.map((node) => node.name);
    expect(names).toEqual([...names].sort().reverse());
  });

  it('reads quests, their steps and rewards, both ways', async () => {
    const source = items[THE_WHISPER_QUEST] as Record<string, any>;
    const data = await query<{ quest: Record<string, any> }>(
      test,
      `{ quest(hash: ${THE_WHISPER_QUEST}) {
        hash name description questLineName questLineDescription item { hash type asQuest { hash } }
        rewards { quantity item { hash } }
        steps { stepIndex summary item { hash type quest { hash } } rewards { quantity item { hash } } }
      } }`,
    );
    expect(data.quest).toMatchObject({
      hash: THE_WHISPER_QUEST,
      name: source.displayProperties.name,
      description: source.displayProperties.description,
      questLineName: source.setData.questLineName,
      questLineDescription: source.setData.questLineDescription,
      item: { hash: THE_WHISPER_QUEST, type: 'QUEST', asQuest: { hash: THE_WHISPER_QUEST } },
    });
    expect(data.quest.rewards).toEqual(
      source.value.itemValue
        .filter((reward: { itemHash: number }) => reward.itemHash !== 0)
        .map((reward: { itemHash: number; quantity: number }) => ({ quantity: reward.quantity, item: { hash: reward.itemHash } })),
    );
    expect(data.quest.steps.map((step: { item: { hash: number } }) => step.item.hash)).toEqual(
      source.setData.itemList.map((step: { itemHash: number }) => step.itemHash),
    );
    const firstStep = items[source.setData.itemList[0].itemHash] as Record<string, any>;
    expect(data.quest.steps[0]).toMatchObject({
      stepIndex: 0,
      summary: firstStep.setData?.questStepSummary ?? null,
      item: { type: 'QUEST_STEP', quest: { hash: THE_WHISPER_QUEST } },
      rewards: firstStep.value.itemValue.map((reward: { itemHash: number; quantity: number }) => ({
        quantity: reward.quantity,
        item: { hash: reward.itemHash },
      })),
    });
    const quests = await query<{ quests: { totalCount: number } }>(test, '{ quests { totalCount } }');
    expect(quests.quests.totalCount).toBe(Object.values(items).filter((item) => item.itemType === 15).length);
    const notAQuest = await query<{ quest: null }>(test, `{ quest(hash: ${GLIMMER}) { hash } }`);
    expect(notAQuest.quest).toBeNull();
  });

  it('answers the analytics: rarest items and top quest rewards', async () => {
    const rare = await query<{
      rarestItems: { tier: string; vendorCount: number; activityCount: number; sourceCount: number; item: { hash: number; tierType: number } }[];
    }>(test, '{ rarestItems(limit: 5) { tier vendorCount activityCount sourceCount item { hash tierType } } }');
    expect(rare.rarestItems).toHaveLength(5);
    for (const entry of rare.rarestItems) {
      expect(entry.tier).toBe('EXOTIC');
      expect(entry.sourceCount).toBe(1);
      const vendorCount = Object.values(vendors).filter((vendor) =>
        vendor.itemList.some((sale: { itemHash: number }) => sale.itemHash === entry.item.hash),
      ).length;
      expect(entry.vendorCount).toBe(vendorCount);
      expect(entry.vendorCount + entry.activityCount).toBe(entry.sourceCount);
    }
    const top = await query<{ topQuestRewards: { questCount: number; totalQuantity: number; item: { hash: number; name: string } }[] }>(
      test,
      '{ topQuestRewards(limit: 3) { questCount totalQuantity item { hash name } } }',
    );
    const counts = new Map<number, Set<number>>();
    for (const quest of Object.values(items).filter((item) => item.itemType === 15)) {
      const givers = [quest, ...quest.setData.itemList.map((step: { itemHash: number }) => items[step.itemHash])];
      for (const giver of givers) {
        for (const reward of giver?.value?.itemValue ?? []) {
          if (reward.itemHash) counts.set(reward.itemHash, (counts.get(reward.itemHash) ?? new Set()).add(quest.hash));
        }
      }
    }
    const best = Math.max(...[...counts.values()].map((quests) => quests.size));
    expect(top.topQuestRewards[0]?.questCount).toBe(best);
    const winner = top.topQuestRewards[0]?.item.hash as number;
    let quantity = 0;
    for (const quest of Object.values(items).filter((item) => item.itemType === 15)) {
      for (const giver of [quest, ...quest.setData.itemList.map((step: { itemHash: number }) => items[step.itemHash])]) {
        for (const reward of giver?.value?.itemValue ?? []) if (reward.itemHash === winner) quantity += reward.quantity;
      }
    }
    expect(top.topQuestRewards[0]?.totalQuantity).toBe(quantity);
    expect(counts.get(top.topQuestRewards[0]?.item.hash as number)?.size).toBe(best);
    expect(top.topQuestRewards.map((entry) => entry.questCount)).toEqual(
      [...top.topQuestRewards.map((entry) => entry.questCount)].sort((a, b) => b - a),
    );
    const badLimit = await test.post('{ topQuestRewards(limit: 0) { questCount } }');
    expect(badLimit.body.errors?.[0]?.message).toContain('limit must be between 1 and 100');
  });

  it('lists runs and invalid records, and the enabled plugins and jobs', async () => {
    const data = await query<{
      ingestRuns: {
        totalCount: number;
        nodes: {
          id: string;
          job: string;
          status: string;
          percent: number;
          stats: Record<string, { processed: number }>;
          sourceVersion: string;
          trigger: string;
        }[];
      };
      plugins: { name: string; version: string; status: string; dependsOn: string[] }[];
      jobs: { name: string; plugin: string }[];
    }>(
      test,
      `{ ingestRuns(job: "game:manifest") { totalCount nodes { id job plugin status percent stats sourceVersion trigger processed total
          inserted updated unchanged invalid message error errorCode startedAt finishedAt durationMs } }
        plugins { name version description status dependsOn } jobs { name plugin description } }`,
    );
    expect(data.ingestRuns.totalCount).toBe(1);
    const [run] = data.ingestRuns.nodes;
    expect(run).toMatchObject({
      job: 'game:manifest',
      plugin: 'game',
      status: 'completed_with_errors',
      percent: 100,
      trigger: 'cli',
      invalid: 3,
      updated: 0,
      unchanged: 0,
      error: null,
      errorCode: null,
      message: expect.stringContaining('loaded in en, fr'),
    });
    const full = run as unknown as { processed: number; total: number; inserted: number; startedAt: string; finishedAt: string; durationMs: number };
    expect(full.processed).toBe(full.total);
    expect(full.inserted).toBeGreaterThan(1000);
    expect(Date.parse(full.finishedAt) - Date.parse(full.startedAt)).toBeGreaterThanOrEqual(0);
    expect(full.durationMs).toBeGreaterThan(0);
    expect(run?.stats.DestinyInventoryItemDefinition?.processed).toBe(Object.keys(items).length * 2);
    expect(data.plugins).toEqual([
      { name: 'game', version: '1.0.0', description: 'Destiny 2 definitions from the Bungie.net manifest', status: 'ready', dependsOn: [] },
    ]);
    expect(data.jobs).toEqual([{ name: 'game:manifest', plugin: 'game', description: expect.stringContaining('Bungie.net manifest') }]);
    const records = await query<{
      invalidRecords: { totalCount: number; nodes: { entity: string; reason: string; suggestion: string; payload: unknown; lang: string | null }[] };
    }>(test, `{ invalidRecords(runId: "${run?.id}") { totalCount nodes { entity recordKey reason suggestion payload lang field } } }`);
    expect(records.invalidRecords.totalCount).toBe(3);
    expect(records.invalidRecords.nodes[0]?.payload).toMatchObject({ hash: 1363886208 });
  });
});
