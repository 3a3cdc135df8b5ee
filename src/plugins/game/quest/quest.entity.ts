import { Int } from 'type-graphql';
import { belongsTo, column, defineEntity, hasMany, text } from 'tessera';
import { BungieHashScalar } from '../shared/hash.scalar.ts';
import { ItemType } from '../shared/enums.ts';
import { definitionTexts, nameContains } from '../shared/definitions.ts';
import { Item, ItemReward } from '../item/item.entity.ts';

/** A quest: an item of type QUEST whose setData lists its steps in order. */
export const Quest = defineEntity({
  name: 'Quest',
  description: 'A quest: an item of type QUEST whose setData lists its steps in order.',
  table: 'game.item',
  key: 'hash',
  where: (row) => `${row}.item_type = ${ItemType.QUEST}`,
  texts: definitionTexts('item_text', 'item_hash'),
  fields: {
    hash: column('hash', () => BungieHashScalar),
    name: text('name', () => String, { fallback: '' }),
    description: text('description', () => String, { fallback: '' }),
    questLineName: text('quest_line_name', () => String, { description: 'setData.questLineName.' }),
    questLineDescription: text('quest_line_description', () => String, { description: 'setData.questLineDescription.' }),
    item: belongsTo(() => Item, { from: 'hash' }, { description: 'The quest as an inventory item.' }),
    steps: hasMany(() => QuestStep, { to: 'quest_hash' }, { orderBy: 'step_index', description: 'Steps in order.' }),
    rewards: hasMany(
      () => ItemReward,
      { to: 'item_hash' },
      { orderBy: 'position', description: "The quest's own rewards (value.itemValue of the quest item)." },
    ),
  },
  queries: {
    quest: {
      kind: 'byKey',
      arg: 'hash',
      argType: () => BungieHashScalar,
      description: 'A quest by the hash of its quest item; null if that item is not a quest.',
    },
    quests: {
      kind: 'list',
      description: 'Quests, by name.',
      filter: { name: 'QuestFilter', fields: { nameContains: { ...nameContains, description: 'Case-insensitive substring of the quest name.' } } },
      order: { text: 'name' },
    },
  },
});

/** One step of a quest. */
export const QuestStep = defineEntity({
  name: 'QuestStep',
  description: 'One step of a quest (an item of type QUEST_STEP pointing back through questlineItemHash).',
  table: 'game.quest_step',
  key: ['quest_hash', 'step_index'],
  texts: definitionTexts('item_text', 'item_hash', 'step_hash'),
  fields: {
    stepIndex: column('step_index', () => Int, { description: 'Position of the step in the quest, from 0.' }),
    item: belongsTo(() => Item, { from: 'step_hash' }, { description: 'The step as an inventory item.' }),
    summary: text('quest_step_summary', () => String, { description: "The step's questStepSummary." }),
    rewards: hasMany(
      () => ItemReward,
      { to: 'item_hash', from: 'step_hash' },
      { orderBy: 'position', description: 'What completing the step gives.' },
    ),
  },
});
