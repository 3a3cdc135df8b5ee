import http from 'node:http';
import pg from 'pg';
import { isEntry, runningServer, serveAsChild, type RunningServer } from './child-process.ts';
import { baselineQueries } from './baseline-queries.ts';
import type { ReadKey } from './reads.ts';

/**
 * The physical limit Tessera is measured against: bare `node:http` and a `pg` pool, one hand-written SQL
 * statement per request, its JSON text written out as GraphQL's `{"data": ...}`. Run as a child of the bench.
 */
export async function startBaselineServer(options: { databaseUrl: string; poolSize: number; lang: string }): Promise<RunningServer> {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize, idleTimeoutMillis: 30_000 });
  pool.on('error', (error) => console.error('baseline: idle database connection failed', error));
  const routes = new Map<string, (typeof baselineQueries)[ReadKey]>(Object.entries(baselineQueries).map(([key, query]) => [`/${key}`, query]));

  const server = http.createServer((req, res) => {
    const query = req.method === 'POST' ? routes.get(req.url ?? '') : undefined;
    if (!query) return send(res, 404, JSON.stringify({ error: `POST one of ${[...routes.keys()].join(', ')}` }));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let values: unknown[];
      try {
        values = query.values(JSON.parse(Buffer.concat(chunks).toString('utf8')), options.lang);
      } catch (error) {
        return send(res, 400, JSON.stringify({ error: (error as Error).message }));
      }
      pool.query<{ data: string }>({ name: query.name, text: query.text, values }).then(
        (result) => send(res, 200, `{"data":${result.rows[0]?.data ?? 'null'}}`),
        (error: unknown) => send(res, 500, JSON.stringify({ error: (error as Error).message })),
      );
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return runningServer(server, () => pool.end());
}

function send(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

if (isEntry(import.meta.url)) {
  serveAsChild(() =>
    startBaselineServer({
      databaseUrl: requiredEnv('BENCH_DB_URL'),
      poolSize: Number(requiredEnv('BENCH_POOL_SIZE')),
      lang: 'en',
    }),
  );
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: this file is started by bench/read-throughput.ts`);
  return value;
}
