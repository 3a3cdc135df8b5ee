import { definePlugin } from 'tessera';
import { gameConfig, type GameConfig } from './config.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { createGameService, type GameService } from './service.ts';
import { createGameRequest, type GameRequest } from './shared/game-request.ts';
import { manifestJob, manifestLoaded } from './ingest/manifest.job.ts';
import { Item, ItemReward } from './item/item.entity.ts';
import { Activity, ActivityReward } from './activity/activity.entity.ts';
import { SaleCost, Vendor, VendorSale } from './vendor/vendor.entity.ts';
import { Destination, Place } from './location/location.entity.ts';
import { Quest, QuestStep } from './quest/quest.entity.ts';
import { AnalyticsResolver, QuestRewardStatResolver, RareItemResolver } from './analytics/analytics.resolver.ts';

/** Destiny 2 definitions from the Bungie.net manifest: items, activities, locations, vendors, quests, currencies. */
export default definePlugin<GameConfig, GameService, GameRequest>({
  name: 'game',
  version: '1.0.0',
  host: '^1',
  description: 'Destiny 2 definitions from the Bungie.net manifest',
  config: gameConfig,
  database: { schema: 'game', migrations: new URL('./prisma/migrations', import.meta.url) },
  graphql: {
    // Items, vendors, activities, locations and quests are read through compiled SQL; the analytics are hand-written.
    entities: [Item, ItemReward, Vendor, VendorSale, SaleCost, Activity, ActivityReward, Destination, Place, Quest, QuestStep],
    resolvers: [AnalyticsResolver, RareItemResolver, QuestRewardStatResolver],
  },
  jobs: [manifestJob],
  init(ctx) {
    const prisma = ctx.db.client(PrismaClient);
    return {
      service: createGameService(prisma, ctx.config.languages[0] as string),
      requestState: (request) => createGameRequest(ctx.db.pool, ctx.config.languages, request),
      async afterStart() {
        // A database without a complete manifest load (empty, or a first load cut short) gets the sample (or,
        // with BUNGIE_API_KEY, the live manifest), without blocking start-up.
        if (!ctx.host.sampleData || (await manifestLoaded(ctx.jobs.cursor(manifestJob.name)))) return;
        const { run, done } = await ctx.jobs.start(manifestJob.name, {}, 'start');
        ctx.logger.info({ runId: run.id, source: ctx.config.apiKey ? 'Bungie.net' : 'sample' }, 'no manifest loaded yet: loading it');
        done.catch((error: unknown) => ctx.logger.error({ err: error }, 'initial manifest load failed'));
      },
    };
  },
});
