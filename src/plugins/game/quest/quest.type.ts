import { Field, ObjectType, Int } from 'type-graphql';
import { BungieHashScalar } from '../shared/hash.scalar.ts';
import { connectionType } from 'tessera';

@ObjectType({ description: 'A quest: an item of type QUEST whose setData lists its steps in order.' })
export class Quest {
  @Field(() => BungieHashScalar)
  hash!: bigint;
}

@ObjectType()
export class QuestConnection extends connectionType('Quest', Quest) {}

@ObjectType({ description: 'One step of a quest (an item of type QUEST_STEP pointing back through questlineItemHash).' })
export class QuestStep {
  @Field(() => Int, { description: 'Position of the step in the quest, from 0.' })
  stepIndex!: number;
}
