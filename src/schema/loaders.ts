import DataLoader from 'dataloader';

/**
 * Per-request DataLoaders over batch queries. A plugin builds them in its `requestState` factory so that a
 * nested list costs one SQL statement per relation level, whatever its length.
 */

/** Loads at most one row per key (an entity by primary key). */
export function uniqueLoader<K, T>(fetch: (keys: readonly K[]) => Promise<readonly T[]>, keyOf: (row: T) => K): DataLoader<K, T | null> {
  return new DataLoader<K, T | null>(async (keys) => {
    const rows = await fetch(keys);
    const byKey = new Map<K, T>();
    for (const row of rows) byKey.set(keyOf(row), row);
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/** Loads the rows of a one-to-many relation, grouped by the parent key, in the order `fetch` returns them. */
export function groupLoader<K, T>(fetch: (keys: readonly K[]) => Promise<readonly T[]>, keyOf: (row: T) => K): DataLoader<K, T[]> {
  return new DataLoader<K, T[]>(async (keys) => {
    const rows = await fetch(keys);
    const groups = new Map<K, T[]>();
    for (const row of rows) {
      const key = keyOf(row);
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    return keys.map((key) => groups.get(key) ?? []);
  });
}

/** Like groupLoader for composite keys, compared by their string form. */
export function compositeGroupLoader<K, T>(
  fetch: (keys: readonly K[]) => Promise<readonly T[]>,
  keyOf: (row: T) => K,
  keyString: (key: K) => string,
): DataLoader<K, T[], string> {
  return new DataLoader<K, T[], string>(
    async (keys) => {
      const rows = await fetch(keys);
      const groups = new Map<string, T[]>();
      for (const row of rows) {
        const key = keyString(keyOf(row));
        const group = groups.get(key);
        if (group) group.push(row);
        else groups.set(key, [row]);
      }
      return keys.map((key) => groups.get(keyString(key)) ?? []);
    },
    { cacheKeyFn: keyString },
  );
}
