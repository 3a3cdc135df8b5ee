import pg from 'pg';

let statements = 0;
let installed = false;

/**
 * Counts the statements this process sends through `pg` (every `Client#query`, pooled or not, whoever calls it:
 * Prisma's pg adapter, PostGraphile's pg adaptor, the baseline). Installed by a bench server process at start.
 */
export function countPgStatements(): void {
  if (installed) return;
  installed = true;
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
    statements += 1;
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
}

/** Statements sent since the process started counting. */
export function pgStatementCount(): number {
  return statements;
}
