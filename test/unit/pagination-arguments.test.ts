import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, paginate } from '../../src/schema/pagination.ts';

const rows = Array.from({ length: 7 }, (_, index) => ({ id: index + 1 }));

function fetchFrom(list: { id: number }[]) {
  return async ({ take, backward, cursor }: { take: number; backward: boolean; cursor: number | undefined }) => {
    const ordered = backward ? [...list].reverse() : list;
    const start = cursor === undefined ? 0 : ordered.findIndex((row) => row.id === cursor) + 1;
    return ordered.slice(start, start + take);
  };
}

describe('paginate', () => {
  it('pages forward and backward with Relay page info', async () => {
    const options = { fetch: fetchFrom(rows), keyOf: (row: { id: number }) => row.id, count: async () => rows.length };
    const first = await paginate({ first: 3 }, options);
    expect(first.nodes.map((row) => row.id)).toEqual([1, 2, 3]);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const next = await paginate({ first: 3, after: first.pageInfo.endCursor }, options);
    expect(next.nodes.map((row) => row.id)).toEqual([4, 5, 6]);
    const last = await paginate({ last: 2, before: next.pageInfo.startCursor }, options);
    expect(last.nodes.map((row) => row.id)).toEqual([2, 3]);
    expect(last.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    expect(await last.totalCount()).toBe(7);
  });

  it('refuses contradictory or oversized pages, and foreign cursors', async () => {
    const options = { fetch: fetchFrom(rows), keyOf: (row: { id: number }) => row.id, count: async () => rows.length };
    await expect(paginate({ first: 1, last: 1 }, options)).rejects.toThrow('Give either `first` or `last`, not both.');
    await expect(paginate({ first: 501 }, options)).rejects.toThrow('`first` must be between 0 and 500; got 501.');
    await expect(paginate({ after: '%%%' }, options)).rejects.toThrow('Invalid cursor');
    expect(decodeCursor(encodeCursor([10n, 'x']))).toEqual(['10', 'x']);
  });
});
