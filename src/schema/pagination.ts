import { ArgsType, Field, Int, ObjectType } from 'type-graphql';
import type { ClassType } from '../core/plugins/define-plugin.ts';
import { BadUserInputError } from '../core/errors.ts';

/** The largest page a client can ask for; bigger lists are paged. */
export const maxPageSize = 500;
export const defaultPageSize = 50;

/** Relay cursor arguments: `first`/`after` to page forward, `last`/`before` to page backward. */
@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { nullable: true, description: `Items after \`after\` (default ${defaultPageSize}, at most ${maxPageSize}).` })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: `Items before \`before\` (at most ${maxPageSize}).` })
  last?: number | null;

  @Field(() => String, { nullable: true })
  before?: string | null;
}

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

/** A page of a list; `totalCount` runs its count query only when the client selects it. */
export interface Connection<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount(): Promise<number>;
}

/**
 * Declares `<Name>Connection` and `<Name>Edge` object types for a node type.
 *
 * @example
 * @ObjectType() export class ItemConnection extends connectionType('Item', Item) {}
 */
export function connectionType<T>(name: string, node: ClassType & (new (...args: never[]) => T)) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => String, { description: 'Opaque cursor of this edge, for `after`/`before`.' })
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}ConnectionBase`)
  abstract class ConnectionType {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => [node], { description: 'The nodes of `edges`, for clients that need no cursors.' })
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    totalCountLoader!: () => Promise<number>;

    @Field(() => Int, { description: 'Number of items matching the filters, across all pages.' })
    totalCount(): Promise<number> {
      return this.totalCountLoader();
    }
  }
  return ConnectionType;
}

export interface PageRequest<K> {
  /** Rows to fetch (page size + 1, to know whether another page follows). */
  take: number;
  /** Page backward: read in reverse order from the cursor. */
  backward: boolean;
  /** Key of the row to start after (forward) or before (backward), decoded from the cursor. */
  cursor: K | undefined;
}

/**
 * Runs a keyset page query and shapes a Relay connection. `fetch` reads `take` rows in the list's order
 * (reversed when `backward`) strictly after the cursor key; keys are encoded as opaque cursors.
 */
export async function paginate<T, K>(
  args: ConnectionArgs,
  options: {
    fetch: (request: PageRequest<K>) => Promise<T[]>;
    keyOf: (row: T) => K;
    count: () => Promise<number>;
  },
): Promise<Connection<T>> {
  const { size, backward, cursor } = readPageArgs<K>(args);
  const rows = size === 0 ? [] : await options.fetch({ take: size + 1, backward, cursor });
  const hasMore = rows.length > size;
  const page = hasMore ? rows.slice(0, size) : rows;
  if (backward) page.reverse();
  const edges = page.map((node) => ({ node, cursor: encodeCursor(options.keyOf(node)) }));
  let total: Promise<number> | undefined;
  return {
    edges,
    nodes: page,
    pageInfo: {
      hasNextPage: backward ? args.before != null : hasMore,
      hasPreviousPage: backward ? hasMore : args.after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: () => (total ??= options.count()),
  };
}

/** The page a connection asks for: its size, direction and decoded cursor, checked. */
export function readPageArgs<K>(args: ConnectionArgs): { size: number; backward: boolean; cursor: K | undefined } {
  if (args.first != null && args.last != null) throw new BadUserInputError('Give either `first` or `last`, not both.');
  const backward = args.last != null || (args.before != null && args.first == null);
  const size = backward ? (args.last ?? defaultPageSize) : (args.first ?? defaultPageSize);
  if (!Number.isInteger(size) || size < 0 || size > maxPageSize) {
    throw new BadUserInputError(
      `\`${backward ? 'last' : 'first'}\` must be between 0 and ${maxPageSize}; got ${size}. Page through longer lists with cursors.`,
    );
  }
  const raw = backward ? args.before : args.after;
  return { size, backward, cursor: raw == null ? undefined : decodeCursor<K>(raw) };
}

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key, (_name, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))).toString('base64url');
}

export function decodeCursor<K>(cursor: string): K {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as K;
  } catch {
    throw new BadUserInputError(`Invalid cursor ${JSON.stringify(cursor)}: use a cursor returned by this list (edges.cursor or pageInfo.endCursor).`);
  }
}

/** The bigint id inside a cursor of a list keyed by an autoincrement id, checked rather than trusted. */
export function bigIntKey(key: unknown): bigint {
  if (typeof key !== 'string' || !/^\d{1,19}$/.test(key)) {
    throw new BadUserInputError('Invalid cursor: use a cursor returned by this list (edges.cursor or pageInfo.endCursor).');
  }
  return BigInt(key);
}
