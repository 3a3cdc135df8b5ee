import type { ChildServer } from './child-process.ts';
import { firstDifference, prop } from './json-data.ts';
import type { LoadTarget } from './load.ts';
import { serverKeys, serverLabels, type ReadSpec, type ServerKey } from './reads.ts';

export interface VerifiedRead {
  read: ReadSpec;
  /** What the content holds, e.g. "vendors=20 sales=600 costs=1200". */
  shape: string;
  /** Per server: the request, and the body it answered, which every answer under load must equal. */
  targets: Record<ServerKey, LoadTarget>;
  /** SQL statements per request, per server (the fewest over a few sequential requests), or null if unknown. */
  statements: Record<ServerKey, number | null>;
}

const statementSamples = 3;

/**
 * Asks each read of each server and checks that the content of every answer equals the baseline's and has the
 * expected size. The bodies they answered become what every answer under load must equal.
 */
export async function verifyReads(reads: readonly ReadSpec[], servers: Record<ServerKey, ChildServer>, signal: AbortSignal): Promise<VerifiedRead[]> {
  const verified: VerifiedRead[] = [];
  for (const read of reads) {
    const targets = {} as Record<ServerKey, LoadTarget>;
    const contents = {} as Record<ServerKey, unknown>;
    for (const server of serverKeys) {
      const request = read.requests[server];
      const who = `${serverLabels[server]} (${read.label})`;
      const target = { url: `${servers[server].url}${request.path}`, body: JSON.stringify(request.body) };
      const body = await post(target.url, target.body, signal);
      try {
        contents[server] = request.content(dataOf(body, who));
      } catch (error) {
        throw new Error(`${who}: ${(error as Error).message}`, { cause: error });
      }
      targets[server] = { ...target, expectBody: body };
    }
    const shape = read.shape(contents.baseline);
    if (shape !== read.expectedShape) throw new Error(`${read.label}: the baseline answered ${shape}, expected ${read.expectedShape}.`);
    for (const server of serverKeys) {
      const difference = firstDifference(contents[server], contents.baseline, '$content');
      if (difference) throw new Error(`${read.label}: ${serverLabels[server]} and the baseline disagree at ${difference}.`);
      const again = await post(targets[server].url, targets[server].body, signal);
      if (again !== targets[server].expectBody) {
        throw new Error(`${read.label}: ${serverLabels[server]} answered two different bodies to the same request.`);
      }
    }
    const statements = {} as Record<ServerKey, number | null>;
    for (const server of serverKeys) statements[server] = await statementsPerRequest(servers[server], targets[server], signal);
    verified.push({ read, shape, targets, statements });
  }
  return verified;
}

/** The fewest statements the server sent for one request, over a few sequential ones (background work adds some). */
async function statementsPerRequest(server: ChildServer, target: LoadTarget, signal: AbortSignal): Promise<number | null> {
  let fewest: number | null = null;
  try {
    for (let sample = 0; sample < statementSamples; sample += 1) {
      const before = await server.statements();
      await post(target.url, target.body, signal);
      const count = (await server.statements()) - before;
      fewest = fewest === null ? count : Math.min(fewest, count);
    }
  } catch (error) {
    signal.throwIfAborted();
    console.error(`[bench] could not count the statements of ${target.url}: ${(error as Error).message}`);
    return null;
  }
  return fewest;
}

async function post(url: string, body: string, signal: AbortSignal): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return text;
}

function dataOf(body: string, who: string): unknown {
  const parsed: unknown = JSON.parse(body);
  const errors = prop(parsed, 'errors');
  if (errors !== undefined) throw new Error(`${who} answered errors: ${JSON.stringify(errors).slice(0, 300)}`);
  const data = prop(parsed, 'data');
  if (data === undefined || data === null) throw new Error(`${who} answered no data: ${body.slice(0, 300)}`);
  return data;
}
