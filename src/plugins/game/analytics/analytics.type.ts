import { Field, Float, Int, ObjectType } from 'type-graphql';
import { TierType } from '../shared/enums.ts';

@ObjectType({ description: 'An item with how many vendors sell it and how many activities reward it.' })
export class RareItem {
  @Field(() => TierType, { nullable: true })
  tier!: TierType | null;

  @Field(() => Int, { description: 'Distinct vendors selling it.' })
  vendorCount!: number;

  @Field(() => Int, { description: 'Distinct activities rewarding it.' })
  activityCount!: number;

  @Field(() => Int, { description: 'vendorCount + activityCount.' })
  sourceCount!: number;
}

@ObjectType({ description: 'An item that quests (or their steps) give as a reward.' })
export class QuestRewardStat {
  @Field(() => Int, { description: 'Distinct quests giving it, through the quest or one of its steps.' })
  questCount!: number;

  @Field(() => Float, { description: 'Sum of the quantities given.' })
  totalQuantity!: number;
}
