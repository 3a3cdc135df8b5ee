import { Int } from 'type-graphql';
import { column, type FilterField, type SortDeclaration, type TextsDeclaration } from 'tessera';
import { BungieHashScalar } from './hash.scalar.ts';
import { gameRequest } from './game-request.ts';

/** The language of a game read: the `lang` argument, else Accept-Language, else the default; texts fall back to the default. */
function gameLanguage(argument: string | null | undefined, context: Parameters<typeof gameRequest>[0]) {
  const game = gameRequest(context);
  return { lang: game.language(argument), fallback: game.defaultLanguage };
}

/** The texts table of a definition table, e.g. game.item_text keyed by item_hash. */
export function definitionTexts(table: string, foreignKey: string, localKey?: string): TextsDeclaration {
  return { table: `game.${table}`, foreignKey, ...(localKey ? { localKey } : {}), language: gameLanguage };
}

/** Sort of every definition list but items. */
export const definitionSort: SortDeclaration = {
  name: 'DefinitionSort',
  fieldEnum: { name: 'DefinitionSortField', values: { NAME: { text: 'name' }, HASH: { column: 'hash' }, INDEX: { column: 'index' } } },
  default: 'NAME',
};

export const nameContains: FilterField = {
  type: () => String,
  description: 'Case-insensitive substring of the name, in the query language.',
  where: { op: 'textContains', text: 'name' },
};

/** The columns every definition table but items' starts with. */
export const definitionColumns = {
  hash: column('hash', () => BungieHashScalar),
  index: column('index', () => Int),
  redacted: column('redacted', () => Boolean),
  icon: column('icon', () => String, { nullable: true }),
};
