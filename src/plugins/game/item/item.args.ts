import { Field, InputType, Int, registerEnumType } from 'type-graphql';
import { DestinyClass, ItemType, SortDirection, TierType } from '../shared/enums.ts';

@InputType({ description: 'Filters of an item list; all given filters must hold.' })
export class ItemFilter {
  @Field(() => [ItemType], { nullable: true })
  types?: ItemType[] | null;

  @Field(() => [TierType], { nullable: true })
  tiers?: TierType[] | null;

  @Field(() => TierType, { nullable: true, description: 'Only items of this tier or rarer.' })
  minTier?: TierType | null;

  @Field(() => [Int], { nullable: true, description: "Bungie's itemSubType values, e.g. 6 auto rifle." })
  itemSubTypes?: number[] | null;

  @Field(() => DestinyClass, { nullable: true })
  classType?: DestinyClass | null;

  @Field(() => Boolean, { nullable: true })
  isCurrency?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the name, in the query language.' })
  nameContains?: string | null;
}

export enum ItemSortField {
  NAME = 'NAME',
  HASH = 'HASH',
  TIER = 'TIER',
  TYPE = 'TYPE',
  INDEX = 'INDEX',
}
registerEnumType(ItemSortField, { name: 'ItemSortField' });

@InputType()
export class ItemSort {
  @Field(() => ItemSortField, { defaultValue: ItemSortField.NAME })
  field!: ItemSortField;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC })
  direction!: SortDirection;
}
