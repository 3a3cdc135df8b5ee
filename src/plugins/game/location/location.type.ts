import { Field, Int, ObjectType } from 'type-graphql';
import { BungieHashScalar } from '../shared/hash.scalar.ts';
import { connectionType } from 'tessera';

@ObjectType({ description: 'A DestinyPlaceDefinition: a planet or other place.' })
export class Place {
  @Field(() => BungieHashScalar)
  hash!: bigint;

  @Field(() => Int)
  index!: number;

  @Field(() => Boolean)
  redacted!: boolean;

  @Field(() => String, { nullable: true })
  icon!: string | null;
}

@ObjectType({ description: 'A DestinyDestinationDefinition: an area of a place where activities happen and vendors stand.' })
export class Destination {
  @Field(() => BungieHashScalar)
  hash!: bigint;

  @Field(() => Int)
  index!: number;

  @Field(() => Boolean)
  redacted!: boolean;

  @Field(() => String, { nullable: true })
  icon!: string | null;

  @Field(() => BungieHashScalar, { nullable: true })
  defaultFreeroamActivityHash!: bigint | null;
}

@ObjectType()
export class PlaceConnection extends connectionType('Place', Place) {}

@ObjectType()
export class DestinationConnection extends connectionType('Destination', Destination) {}
