import { Field, Int, ObjectType } from 'type-graphql';
import { BungieHashScalar } from '../shared/hash.scalar.ts';
import { connectionType } from 'tessera';

@ObjectType({ description: 'A DestinyInventoryItemDefinition: weapon, armor, quest, quest step, currency, consumable…' })
export class Item {
  @Field(() => BungieHashScalar)
  hash!: bigint;

  @Field(() => Int, { description: 'Position in the manifest file.' })
  index!: number;

  @Field(() => Boolean)
  redacted!: boolean;

  @Field(() => Int, { description: "Bungie's raw itemType (see `type`)." })
  itemType!: number;

  @Field(() => Int, { description: "Bungie's itemSubType (e.g. 6 auto rifle, 13 hand cannon)." })
  itemSubType!: number;

  @Field(() => Int, { description: "Bungie's raw tierType (see `tier`)." })
  tierType!: number;

  @Field(() => Boolean, { description: 'Whether vendors take it as payment (itemType Currency or tier Currency).' })
  isCurrency!: boolean;

  @Field(() => BungieHashScalar, { nullable: true })
  bucketTypeHash!: bigint | null;

  @Field(() => Int, { nullable: true })
  maxStackSize!: number | null;

  @Field(() => String, { nullable: true, description: 'Icon path, relative to https://www.bungie.net.' })
  icon!: string | null;

  @Field(() => String, { nullable: true })
  screenshot!: string | null;

  @Field(() => [BungieHashScalar])
  itemCategoryHashes!: bigint[];

  @Field(() => BungieHashScalar, { nullable: true })
  defaultDamageTypeHash!: bigint | null;

  @Field(() => BungieHashScalar, { nullable: true })
  seasonHash!: bigint | null;

  @Field(() => BungieHashScalar, { nullable: true })
  collectibleHash!: bigint | null;

  @Field(() => BungieHashScalar, { nullable: true, description: 'For a quest step: the hash of its quest.' })
  questlineItemHash!: bigint | null;
}

@ObjectType()
export class ItemConnection extends connectionType('Item', Item) {}

@ObjectType({ description: 'An item given as a reward, with its quantity.' })
export class ItemReward {
  @Field(() => Int)
  quantity!: number;
}
