import { Field, Int, ObjectType } from 'type-graphql';
import { BungieHashScalar } from '../shared/hash.scalar.ts';
import { connectionType } from 'tessera';

@ObjectType({ description: 'A DestinyVendorDefinition: who sells what, for which currencies, where.' })
export class Vendor {
  @Field(() => BungieHashScalar)
  hash!: bigint;

  @Field(() => Int)
  index!: number;

  @Field(() => Boolean)
  redacted!: boolean;

  @Field(() => String, { nullable: true })
  icon!: string | null;

  @Field(() => String, { nullable: true, description: 'e.g. TOWER_VANGUARD.' })
  vendorIdentifier!: string | null;

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => Boolean)
  visible!: boolean;

  @Field(() => BungieHashScalar, { nullable: true })
  factionHash!: bigint | null;

  @Field(() => Int, { nullable: true })
  resetIntervalMinutes!: number | null;
}

@ObjectType()
export class VendorConnection extends connectionType('Vendor', Vendor) {}

@ObjectType({ description: "One entry of a vendor's itemList: an item for sale and what it costs." })
export class VendorSale {
  @Field(() => Int)
  vendorItemIndex!: number;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Int, { nullable: true })
  categoryIndex!: number | null;
}

@ObjectType({ description: 'What a sale costs: a quantity of a currency item.' })
export class SaleCost {
  @Field(() => Int)
  quantity!: number;
}
