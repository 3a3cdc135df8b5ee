import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import { SortDirection } from './enums.ts';
import type DataLoader from 'dataloader';
import type { BungieLanguage } from '../config.ts';
import type { GameRequest } from './game-request.ts';
import { localizeAligned, type Localized } from './rows.ts';
import { BadUserInputError, paginate, type Connection, type ConnectionArgs } from 'tessera';

/** A definition table and its texts table, e.g. game.item and game.item_text (item_hash). */
export interface DefinitionTable {
  table: string;
  textTable: string;
  textKey: string;
}

export interface SortColumn {
  /** SQL over `d` (the definition) and `name` (the localized name), never user input. */
  sql: string;
  type: 'text' | 'int' | 'bigint';
}

/** The localized name with fallback to the default language; usable in `where` and sort columns. */
export const nameSql = "COALESCE(t.name, dt.name, '')";

export interface ListRequest {
  /** Conditions over `d` (and `t`/`dt`), joined with AND. */
  where: Prisma.Sql[];
  nameContains?: string | null | undefined;
  lang: string;
  defaultLanguage: string;
  sort: SortColumn;
  direction: SortDirection;
  page: ConnectionArgs;
}

type Cursor = [sortValue: string | number, hash: string];

/**
 * One keyset-paginated page of definition hashes, filtered and sorted (by name in the requested language with
 * fallback, or by a column), with a lazy total count. Resolvers then load the rows through the loaders.
 */
export async function listDefinitionHashes(prisma: PrismaClient, table: DefinitionTable, request: ListRequest): Promise<Connection<bigint>> {
  const from = Prisma.raw(`${table.table} d`);
  const textJoin = (alias: string, lang: string) =>
    Prisma.sql`LEFT JOIN ${Prisma.raw(table.textTable)} ${Prisma.raw(alias)} ON ${Prisma.raw(alias)}.${Prisma.raw(table.textKey)} = d.hash AND ${Prisma.raw(alias)}.lang = ${lang}`;
  // The default language's texts are joined only to fall back on when another language is asked for.
  const joins =
    request.lang === request.defaultLanguage
      ? Prisma.sql`${textJoin('t', request.lang)} CROSS JOIN LATERAL (SELECT NULL::text AS name) dt`
      : Prisma.sql`${textJoin('t', request.lang)} ${textJoin('dt', request.defaultLanguage)}`;
  const conditions = [...request.where];
  if (request.nameContains) {
    if (request.nameContains.length > 200) throw new BadUserInputError('nameContains is limited to 200 characters.');
    conditions.push(Prisma.sql`${Prisma.raw(nameSql)} ILIKE ${`%${escapeLike(request.nameContains)}%`}`);
  }
  const sortSql = Prisma.raw(request.sort.sql);
  const connection = await paginate<{ hash: bigint; sort_value: string | number | bigint }, Cursor>(request.page, {
    fetch: ({ take, backward, cursor }) => {
      const ascending = (request.direction === SortDirection.ASC) !== backward;
      const order = Prisma.raw(ascending ? 'ASC' : 'DESC');
      const keyset = cursor
        ? [
            Prisma.sql`(${sortSql}, d.hash) ${Prisma.raw(ascending ? '>' : '<')} (CAST(${String(cursor[0])} AS ${Prisma.raw(request.sort.type)}), CAST(${cursor[1]} AS bigint))`,
          ]
        : [];
      return prisma.$queryRaw<{ hash: bigint; sort_value: string | number | bigint }[]>`
        SELECT d.hash AS hash, ${sortSql} AS sort_value
        FROM ${from} ${joins}
        WHERE ${whereSql([...conditions, ...keyset])}
        ORDER BY ${sortSql} ${order}, d.hash ${order}
        LIMIT ${take}`;
    },
    keyOf: (row) => [typeof row.sort_value === 'bigint' ? row.sort_value.toString() : row.sort_value, row.hash.toString()],
    count: async () => {
      const [row] = await prisma.$queryRaw<{ count: number }[]>`
        SELECT count(*)::int AS count FROM ${from} ${request.nameContains ? joins : Prisma.empty} WHERE ${whereSql(conditions)}`;
      return row?.count ?? 0;
    },
  });
  return {
    ...connection,
    edges: connection.edges.map((edge) => ({ cursor: edge.cursor, node: edge.node.hash })),
    nodes: connection.nodes.map((node) => node.hash),
  };
}

function whereSql(conditions: Prisma.Sql[]): Prisma.Sql {
  return conditions.length === 0 ? Prisma.sql`TRUE` : Prisma.join(conditions, ' AND ');
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** Replaces the hashes of a page with the rows the loader returns, dropping rows deleted in between. */
export async function loadConnection<T>(
  connection: Connection<bigint>,
  load: (hashes: bigint[]) => Promise<(T | null | Error)[]>,
): Promise<Connection<T>> {
  const rows = await load(connection.nodes);
  const edges: Connection<T>['edges'] = [];
  connection.edges.forEach((edge, position) => {
    const row = rows[position];
    if (row !== null && row !== undefined && !(row instanceof Error)) edges.push({ cursor: edge.cursor, node: row });
  });
  return { ...connection, edges, nodes: edges.map((edge) => edge.node) };
}

/**
 * A page of localized definitions: the keyset query over `table`, then the rows through `loader` (so that
 * their relations batch with the rest of the request), each in the query's language.
 */
export async function listLocalized<T extends object>(
  game: GameRequest,
  lang: BungieLanguage,
  table: DefinitionTable,
  loader: DataLoader<bigint, T | null>,
  options: {
    where?: Prisma.Sql[];
    nameContains?: string | null | undefined;
    sort: SortColumn;
    direction?: SortDirection | null;
    page: ConnectionArgs;
  },
): Promise<Connection<Localized<T>>> {
  const hashes = await listDefinitionHashes(game.prisma, table, {
    where: options.where ?? [],
    nameContains: options.nameContains,
    lang,
    defaultLanguage: game.defaultLanguage,
    sort: options.sort,
    direction: options.direction ?? SortDirection.ASC,
    page: options.page,
  });
  return loadConnection(hashes, async (keys) => localizeAligned(await loader.loadMany(keys), lang));
}
