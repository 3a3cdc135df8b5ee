import http from 'node:http';
import { isEntry, runningServer, serveAsChild, type RunningServer } from './child-process.ts';

/**
 * PostGraphile v5 (amber preset) over the bench database's `game` schema, served by grafserv on node:http.
 * Run as a child of the bench. Nothing of it touches Tessera: the one addition to PostGraphile's generated schema,
 * the `itemType` condition on item texts, lives here.
 */
export async function startPostGraphileServer(options: { databaseUrl: string; poolSize: number }): Promise<RunningServer> {
  installPromiseWithResolvers();
  process.env.GRAPHILE_ENV ??= 'production'; // as deployed, and without the notice that it is unset
  // Loaded only now, after the polyfill: PostGraphile 5.1 calls Promise.withResolvers, which Node 20 lacks.
  const { postgraphile } = await import('postgraphile');
  const { PostGraphileAmberPreset } = await import('postgraphile/presets/amber');
  const { makePgService } = await import('postgraphile/adaptors/pg');
  const { grafserv } = await import('postgraphile/grafserv/node');
  const { addPgTableCondition } = await import('postgraphile/utils');

  // Item texts whose item is of this type: item_text has no type, and PostGraphile's conditions stop at a table's
  // own columns. This is the documented way to add one (graphile-utils' addPgTableCondition).
  const itemTypeCondition = addPgTableCondition(
    { schemaName: 'game', tableName: 'item_text' },
    'itemType',
    (build) => ({
      description: 'Only texts of items of this Bungie itemType (e.g. 3 = weapon).',
      type: build.graphql.GraphQLInt,
    }),
    (value, { sql, sqlTableAlias }) =>
      value === null || value === undefined
        ? null
        : sql`exists (select 1 from game.item as i where i.hash = ${sqlTableAlias}.item_hash and i.item_type = ${sql.value(Number(value))})`,
  );

  const preset: GraphileConfig.Preset = {
    extends: [PostGraphileAmberPreset],
    plugins: [itemTypeCondition],
    pgServices: [makePgService({ connectionString: options.databaseUrl, schemas: ['game'], poolConfig: { max: options.poolSize } })],
    grafserv: { graphiql: false, graphqlOverGET: false, watch: false, websockets: false },
    grafast: { explain: false },
  };
  const pgl = postgraphile(preset);
  const server = http.createServer();
  try {
    const serv = pgl.createServ(grafserv);
    await serv.addTo(server, false);
    await pgl.getSchema();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    await pgl.release();
    throw error;
  }
  return runningServer(server, () => pgl.release());
}

/** `Promise.withResolvers` (ES2024), for Node 20: PostGraphile 5.1.x uses it, and every query errors without it. */
function installPromiseWithResolvers(): void {
  const promise = Promise as PromiseConstructor & { withResolvers?: unknown };
  if (typeof promise.withResolvers === 'function') return;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(this: PromiseConstructor) {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const created = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise: created, resolve, reject };
    },
  });
}

if (isEntry(import.meta.url)) {
  serveAsChild(() => {
    const databaseUrl = process.env.BENCH_DB_URL;
    const poolSize = Number(process.env.BENCH_POOL_SIZE);
    if (!databaseUrl || !Number.isInteger(poolSize) || poolSize < 1) {
      throw new Error('BENCH_DB_URL and BENCH_POOL_SIZE must be set: this file is started by bench/read-throughput.ts');
    }
    return startPostGraphileServer({ databaseUrl, poolSize });
  });
}
