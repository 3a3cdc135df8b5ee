import { Field, InputType, registerEnumType } from 'type-graphql';
import { SortDirection } from './enums.ts';
import { nameSql, type SortColumn } from './list-definitions.ts';

/** Sort fields shared by every definition list but items. */
export enum DefinitionSortField {
  NAME = 'NAME',
  HASH = 'HASH',
  INDEX = 'INDEX',
}
registerEnumType(DefinitionSortField, { name: 'DefinitionSortField' });

@InputType()
export class DefinitionSort {
  @Field(() => DefinitionSortField, { defaultValue: DefinitionSortField.NAME })
  field!: DefinitionSortField;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC })
  direction!: SortDirection;
}

export const definitionSortColumns: Record<DefinitionSortField, SortColumn> = {
  [DefinitionSortField.NAME]: { sql: nameSql, type: 'text' },
  [DefinitionSortField.HASH]: { sql: 'd.hash', type: 'bigint' },
  [DefinitionSortField.INDEX]: { sql: 'd.index', type: 'int' },
};
