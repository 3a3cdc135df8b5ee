import { Kind, parse, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { column, defineEntity, hasMany, text } from '../../src/core/plugins/entity.ts';
import { compileList, compileLookup, listShape } from '../../src/schema/read/compile.ts';

// Declarations are checked when a plugin loads, with a message that names the entity and the fix; the SQL a
// selection compiles to selects what is asked and numbers only the parameters it uses.

const language = () => ({ lang: 'en', fallback: 'en' });

const Part = defineEntity({
  name: 'Part',
  table: 'shop.part',
  key: ['gadget_id', 'position'],
  fields: { position: column('position', () => Number), name: column('name', () => String) },
});

const Gadget = defineEntity({
  name: 'Gadget',
  table: 'shop.gadget',
  key: 'id',
  texts: { table: 'shop.gadget_text', foreignKey: 'gadget_id', language },
  fields: {
    id: column('id', () => Number),
    price: column('price', () => Number),
    name: text('name', () => String, { fallback: '' }),
    parts: hasMany(() => Part, { to: 'gadget_id' }, { orderBy: 'position' }),
  },
  queries: {
    gadget: { kind: 'byKey', arg: 'id', argType: () => Number },
    gadgets: { kind: 'list', filter: { name: 'GadgetFilter', fields: { minPrice: { type: () => Number, where: { op: 'gte', column: 'price' } } } } },
  },
});

function rootField(query: string): FieldNode {
  const operation = parse(query).definitions[0] as OperationDefinitionNode;
  const field = operation.selectionSet.selections[0]!;
  if (field.kind !== Kind.FIELD) throw new Error('expected a field');
  return field;
}

const scope = { fragments: {}, variables: {}, sameLanguage: true };

describe('entity declarations', () => {
  it('refuses a localized field without a texts table, naming the entity and field', () => {
    expect(() => defineEntity({ name: 'Shelf', table: 'shop.shelf', key: 'id', fields: { label: text('label', () => String) } })).toThrow(
      'Entity Shelf: field label is localized but the entity declares no texts table.',
    );
  });

  it('refuses a lookup by key on a composite key', () => {
    expect(() =>
      defineEntity({
        name: 'Line',
        table: 'shop.line',
        key: ['order_id', 'position'],
        fields: { position: column('position', () => Number) },
        queries: { line: { kind: 'byKey', arg: 'position', argType: () => Number } },
      }),
    ).toThrow("Entity Line: line needs a single-column key (a lookup by key or an 'exists' filter); the key is order_id, position.");
  });

  it('compiles a lookup to one statement selecting only what is asked', () => {
    const statement = compileLookup(
      Gadget,
      Gadget.declaration.queries!.gadget as never,
      [rootField('{ gadget(id: 1) { name parts { name } } }')],
      scope,
    );
    expect(statement.text).toContain('"shop"."gadget_text"');
    expect(statement.text).toContain('"shop"."part"');
    expect(statement.text).not.toContain('price');
    expect(statement.params).toHaveLength(2); // the language and the key
    expect(statement.text).toMatch(/\$2/);
    expect(statement.text).not.toMatch(/\$3/);
  });

  it('numbers only the parameters a list statement uses', () => {
    const query = Gadget.declaration.queries!.gadgets as never;
    const args = { first: 5, filter: { minPrice: 10 } };
    const counted = compileList(
      Gadget,
      query,
      [rootField('{ gadgets { totalCount } }')],
      scope,
      listShape(query, args, { backward: false, hasCursor: false }),
    );
    // The filter's value only: the page's size and language are not used by a count.
    expect(counted.params).toHaveLength(1);
    expect(counted.text).toContain('"price" >= $1');
    const paged = compileList(
      Gadget,
      query,
      [rootField('{ gadgets { nodes { id } pageInfo { endCursor } } }')],
      scope,
      listShape(query, args, { backward: false, hasCursor: true }),
    );
    expect(paged.cursorLength).toBe(1);
    expect(paged.params.length).toBeGreaterThan(counted.params.length);
  });
});
