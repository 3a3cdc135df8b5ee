import { ItemType, TierType } from '../src/plugins/game/shared/enums.ts';
import type { ReadKey } from './reads.ts';
import { isRecord } from './json-data.ts';

/**
 * The baseline's reads: one hand-written statement each, which builds the whole GraphQL `data` object as JSON
 * text in Postgres, reading only the columns the GraphQL query selects.
 */
export interface BaselineQuery {
  /** Name of the prepared statement. */
  name: string;
  text: string;
  /** The statement's parameters from the request body; throws on a malformed body. */
  values(body: unknown, lang: string): unknown[];
}

/** GraphQL's name of each value of a numeric enum, as a SQL array indexed by value + 1 (NULL for other values). */
function enumNamesSql(enumeration: Record<string, string | number>): (column: string) => string {
  const values = Object.values(enumeration).filter((value): value is number => typeof value === 'number');
  const names = Array.from({ length: Math.max(...values) + 1 }, (_, value) => enumeration[value]);
  const array = `(ARRAY[${names.map((name) => (typeof name === 'string' ? `'${name}'` : 'NULL')).join(', ')}]::text[])`;
  return (column) => `${array}[${column} + 1]`;
}
const tierSql = enumNamesSql(TierType);
const typeSql = enumNamesSql(ItemType);

const item = `
SELECT json_build_object('item', (
  SELECT json_build_object('name', COALESCE(t.name, ''), 'tier', ${tierSql('i.tier_type')}, 'type', ${typeSql('i.item_type')})
  FROM game.item i
  LEFT JOIN game.item_text t ON t.item_hash = i.hash AND t.lang = $2
  WHERE i.hash = $1
))::text AS data`;

// The manifest job writes a default-language text for every definition it loads, so for the default language this
// inner join answers what Tessera's outer join with COALESCE(name, '') does, and it can walk the (lang, name) index
// instead of sorting every item of the type.
const items = `
SELECT json_build_object('items', json_build_object('nodes', COALESCE(
  json_agg(json_build_object('hash', p.hash, 'name', p.name, 'tier', ${tierSql('p.tier_type')}, 'type', ${typeSql('p.item_type')}) ORDER BY p.name, p.hash),
  '[]'::json
)))::text AS data
FROM (
  SELECT i.hash, i.tier_type, i.item_type, t.name
  FROM game.item_text t
  JOIN game.item i ON i.hash = t.item_hash
  WHERE t.lang = $3 AND i.item_type = ANY($2::int[])
  ORDER BY t.name, t.item_hash
  LIMIT $1
) p`;

const vendors = `
WITH v AS (
  SELECT d.hash, COALESCE(t.name, '') AS name
  FROM game.vendor d
  LEFT JOIN game.vendor_text t ON t.vendor_hash = d.hash AND t.lang = $2
  ORDER BY name, d.hash
  LIMIT $1
), c AS (
  SELECT sc.vendor_hash, sc.vendor_item_index,
    json_agg(json_build_object(
      'quantity', sc.quantity,
      'currency', json_build_object('name', COALESCE(ct.name, ''))
    ) ORDER BY sc.position) AS costs
  FROM v
  JOIN game.vendor_sale_cost sc ON sc.vendor_hash = v.hash
  LEFT JOIN game.item_text ct ON ct.item_hash = sc.currency_hash AND ct.lang = $2
  GROUP BY sc.vendor_hash, sc.vendor_item_index
), s AS (
  SELECT vs.vendor_hash,
    json_agg(json_build_object(
      'item', json_build_object('name', COALESCE(it.name, '')),
      'costs', COALESCE(c.costs, '[]'::json)
    ) ORDER BY vs.vendor_item_index) AS sales
  FROM v
  JOIN game.vendor_sale vs ON vs.vendor_hash = v.hash
  LEFT JOIN game.item_text it ON it.item_hash = vs.item_hash AND it.lang = $2
  LEFT JOIN c ON c.vendor_hash = vs.vendor_hash AND c.vendor_item_index = vs.vendor_item_index
  GROUP BY vs.vendor_hash
)
SELECT json_build_object('vendors', json_build_object('nodes', COALESCE(
  json_agg(json_build_object('name', v.name, 'sales', COALESCE(s.sales, '[]'::json)) ORDER BY v.name, v.hash),
  '[]'::json
)))::text AS data
FROM v
LEFT JOIN s ON s.vendor_hash = v.hash`;

export const baselineQueries: Record<ReadKey, BaselineQuery> = {
  item: {
    name: 'bench_item',
    text: item,
    values: (body, lang) => [integerField(body, 'hash'), lang],
  },
  items: {
    name: 'bench_items',
    text: items,
    values: (body, lang) => [integerField(body, 'first'), integerListField(body, 'types'), lang],
  },
  vendors: {
    name: 'bench_vendors',
    text: vendors,
    values: (body, lang) => [integerField(body, 'first'), lang],
  },
};

function integerField(body: unknown, key: string): number {
  const value = isRecord(body) ? body[key] : undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TypeError(`${key}: expected a non-negative integer`);
  return value;
}

function integerListField(body: unknown, key: string): number[] {
  const value = isRecord(body) ? body[key] : undefined;
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'number' && Number.isSafeInteger(entry))) {
    throw new TypeError(`${key}: expected a list of integers`);
  }
  return value as number[];
}
