import { Field, Int, ObjectType } from 'type-graphql';
import { BungieHashScalar } from '../shared/hash.scalar.ts';
import { connectionType } from 'tessera';

@ObjectType({ description: 'A DestinyActivityDefinition: strike, raid, Crucible match, patrol, lost sector…' })
export class Activity {
  @Field(() => BungieHashScalar)
  hash!: bigint;

  @Field(() => Int)
  index!: number;

  @Field(() => Boolean)
  redacted!: boolean;

  @Field(() => String, { nullable: true })
  icon!: string | null;

  @Field(() => BungieHashScalar, { nullable: true })
  activityTypeHash!: bigint | null;

  @Field(() => Int, { description: 'Recommended light level.' })
  activityLightLevel!: number;

  @Field(() => Int)
  tier!: number;

  @Field(() => Boolean)
  isPvP!: boolean;

  @Field(() => Boolean)
  isPlaylist!: boolean;

  @Field(() => String, { nullable: true, description: 'Post-game carnage report image path.' })
  pgcrImage!: string | null;

  @Field(() => Int, { nullable: true, description: 'Release time in seconds since the epoch, when Bungie gives one.' })
  releaseTime!: number | null;

  @Field(() => [Int], { description: 'DestinyActivityModeType values.' })
  activityModeTypes!: number[];
}

@ObjectType()
export class ActivityConnection extends connectionType('Activity', Activity) {}

@ObjectType({ description: 'An item an activity rewards, with its quantity.' })
export class ActivityReward {
  @Field(() => Int)
  quantity!: number;
}
