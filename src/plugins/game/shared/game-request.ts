import type DataLoader from 'dataloader';
import type { BungieLanguage } from '../config.ts';
import { pickLanguage } from './language.ts';
import type * as Rows from './rows.ts';
import { compositeGroupLoader, groupLoader, requestState, uniqueLoader, type RequestContext } from 'tessera';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { gameRequestState } from '../api.ts';

/** Per-request state of the game plugin: the loaders of every relation and the request's languages. */
export interface GameRequest {
  /** Resolves a query's language and makes sure loaders fetch its texts. */
  language(argument: string | null | undefined): BungieLanguage;
  defaultLanguage: BungieLanguage;
  prisma: PrismaClient;
  loaders: GameLoaders;
}

export type GameLoaders = ReturnType<typeof createLoaders>;

export function gameRequest(context: RequestContext): GameRequest {
  return requestState(context, gameRequestState);
}

export function createGameRequest(prisma: PrismaClient, languages: readonly BungieLanguage[], context: RequestContext): GameRequest {
  const defaultLanguage = languages[0] as BungieLanguage;
  // Texts are fetched for the languages this request uses (and the default, for fallback), not for all of them.
  const inUse = new Set<BungieLanguage>([defaultLanguage]);
  return {
    defaultLanguage,
    prisma,
    language(argument) {
      const lang = pickLanguage(argument, context.acceptLanguage, languages);
      inUse.add(lang);
      return lang;
    },
    loaders: createLoaders(prisma, () => [...inUse]),
  };
}

const saleKey = (key: { vendorHash: bigint; vendorItemIndex: number }) => `${key.vendorHash}:${key.vendorItemIndex}`;

function createLoaders(prisma: PrismaClient, langs: () => BungieLanguage[]) {
  const texts = () => ({ where: { lang: { in: langs() } } });
  return {
    item: uniqueLoader<bigint, Rows.ItemRow>(
      (hashes) => prisma.item.findMany({ where: { hash: { in: [...hashes] } }, include: { texts: texts() } }),
      (row) => row.hash,
    ) as DataLoader<bigint, Rows.ItemRow | null>,
    activity: uniqueLoader<bigint, Rows.ActivityRow>(
      (hashes) => prisma.activity.findMany({ where: { hash: { in: [...hashes] } }, include: { texts: texts() } }),
      (row) => row.hash,
    ),
    vendor: uniqueLoader<bigint, Rows.VendorRow>(
      (hashes) => prisma.vendor.findMany({ where: { hash: { in: [...hashes] } }, include: { texts: texts() } }),
      (row) => row.hash,
    ),
    destination: uniqueLoader<bigint, Rows.DestinationRow>(
      (hashes) => prisma.destination.findMany({ where: { hash: { in: [...hashes] } }, include: { texts: texts() } }),
      (row) => row.hash,
    ),
    place: uniqueLoader<bigint, Rows.PlaceRow>(
      (hashes) => prisma.place.findMany({ where: { hash: { in: [...hashes] } }, include: { texts: texts() } }),
      (row) => row.hash,
    ),
    salesByVendor: groupLoader<bigint, Rows.VendorSaleRow>(
      (hashes) =>
        prisma.vendorSale.findMany({ where: { vendorHash: { in: [...hashes] } }, orderBy: [{ vendorHash: 'asc' }, { vendorItemIndex: 'asc' }] }),
      (row) => row.vendorHash,
    ),
    salesByItem: groupLoader<bigint, Rows.VendorSaleRow>(
      (hashes) =>
        prisma.vendorSale.findMany({ where: { itemHash: { in: [...hashes] } }, orderBy: [{ vendorHash: 'asc' }, { vendorItemIndex: 'asc' }] }),
      (row) => row.itemHash,
    ),
    costsBySale: compositeGroupLoader<{ vendorHash: bigint; vendorItemIndex: number }, Rows.VendorSaleCostRow>(
      async (keys) => {
        // One small statement by vendor, filtered here: an OR of (vendor, index) pairs grows with the page
        // and costs Postgres more to plan than to run.
        const wanted = new Set(keys.map(saleKey));
        const vendors = [...new Set(keys.map((key) => key.vendorHash))];
        const rows = await prisma.vendorSaleCost.findMany({
          where: { vendorHash: { in: vendors } },
          orderBy: [{ vendorHash: 'asc' }, { vendorItemIndex: 'asc' }, { position: 'asc' }],
        });
        return rows.filter((row) => wanted.has(saleKey(row)));
      },
      (row) => ({ vendorHash: row.vendorHash, vendorItemIndex: row.vendorItemIndex }),
      saleKey,
    ),
    locationsByVendor: groupLoader<bigint, Rows.VendorLocationRow>(
      (hashes) =>
        prisma.vendorLocation.findMany({ where: { vendorHash: { in: [...hashes] } }, orderBy: [{ vendorHash: 'asc' }, { position: 'asc' }] }),
      (row) => row.vendorHash,
    ),
    vendorsByDestination: groupLoader<bigint, Rows.VendorLocationRow>(
      (hashes) => prisma.vendorLocation.findMany({ where: { destinationHash: { in: [...hashes] } }, orderBy: [{ vendorHash: 'asc' }] }),
      (row) => row.destinationHash,
    ),
    rewardsByActivity: groupLoader<bigint, Rows.ActivityRewardRow>(
      (hashes) =>
        prisma.activityReward.findMany({ where: { activityHash: { in: [...hashes] } }, orderBy: [{ activityHash: 'asc' }, { position: 'asc' }] }),
      (row) => row.activityHash,
    ),
    activityRewardsByItem: groupLoader<bigint, Rows.ActivityRewardRow>(
      (hashes) =>
        prisma.activityReward.findMany({ where: { itemHash: { in: [...hashes] } }, orderBy: [{ activityHash: 'asc' }, { position: 'asc' }] }),
      (row) => row.itemHash,
    ),
    rewardsByItem: groupLoader<bigint, Rows.ItemRewardRow>(
      (hashes) => prisma.itemReward.findMany({ where: { itemHash: { in: [...hashes] } }, orderBy: [{ itemHash: 'asc' }, { position: 'asc' }] }),
      (row) => row.itemHash,
    ),
    stepsByQuest: groupLoader<bigint, Rows.QuestStepRow>(
      (hashes) => prisma.questStep.findMany({ where: { questHash: { in: [...hashes] } }, orderBy: [{ questHash: 'asc' }, { stepIndex: 'asc' }] }),
      (row) => row.questHash,
    ),
    questsByStep: groupLoader<bigint, Rows.QuestStepRow>(
      (hashes) => prisma.questStep.findMany({ where: { stepHash: { in: [...hashes] } }, orderBy: [{ questHash: 'asc' }] }),
      (row) => row.stepHash,
    ),
    activitiesByDestination: groupLoader<bigint, Rows.ActivityRow>(
      (hashes) =>
        prisma.activity.findMany({ where: { destinationHash: { in: [...hashes] } }, include: { texts: texts() }, orderBy: [{ index: 'asc' }] }),
      (row) => row.destinationHash as bigint,
    ),
    destinationsByPlace: groupLoader<bigint, Rows.DestinationRow>(
      (hashes) =>
        prisma.destination.findMany({ where: { placeHash: { in: [...hashes] } }, include: { texts: texts() }, orderBy: [{ index: 'asc' }] }),
      (row) => row.placeHash as bigint,
    ),
  };
}
