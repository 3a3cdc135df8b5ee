import type * as Prisma from '../generated/prisma/client.ts';
import type { BungieLanguage } from '../config.ts';

/** Rows as the loaders return them: definitions come with their texts in the request's languages. */
export type ItemRow = Prisma.Item & { texts: Prisma.ItemText[] };
export type ActivityRow = Prisma.Activity & { texts: Prisma.ActivityText[] };
export type VendorRow = Prisma.Vendor & { texts: Prisma.VendorText[] };
export type DestinationRow = Prisma.Destination & { texts: Prisma.DestinationText[] };
export type PlaceRow = Prisma.Place & { texts: Prisma.PlaceText[] };
export type VendorSaleRow = Prisma.VendorSale;
export type VendorSaleCostRow = Prisma.VendorSaleCost;
export type VendorLocationRow = Prisma.VendorLocation;
export type ActivityRewardRow = Prisma.ActivityReward;
export type ItemRewardRow = Prisma.ItemReward;
export type QuestStepRow = Prisma.QuestStep;

/** A row as resolvers see it: with the language its parent was asked in, which its children inherit. */
export type Localized<T> = T & { lang: BungieLanguage };

export function localize<T extends object>(row: T, lang: BungieLanguage): Localized<T> {
  return { ...row, lang };
}

export function localizeAll<T extends object>(rows: readonly (T | null | Error)[], lang: BungieLanguage): Localized<T>[] {
  const result: Localized<T>[] = [];
  for (const row of rows) if (row !== null && !(row instanceof Error)) result.push({ ...row, lang });
  return result;
}

/** The text in `lang`, else in the default language (the first text loaded for it), else undefined. */
export function textIn<T extends { lang: string }>(texts: readonly T[], lang: string, defaultLanguage: string): T | undefined {
  return texts.find((text) => text.lang === lang) ?? texts.find((text) => text.lang === defaultLanguage) ?? texts[0];
}

/** Like localizeAll, keeping positions (null where a row is missing), as loadConnection expects. */
export function localizeAligned<T extends object>(rows: readonly (T | null | Error)[], lang: BungieLanguage): (Localized<T> | null)[] {
  return rows.map((row) => (row === null || row instanceof Error ? null : { ...row, lang }));
}
