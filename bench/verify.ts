import { firstDifference, prop } from './json-data.ts';
import type { LoadTarget } from './load.ts';
import type { ReadSpec } from './reads.ts';

export interface VerifiedRead {
  read: ReadSpec;
  /** What the data holds, e.g. "vendors=20 sales=600 costs=1200". */
  shape: string;
  tessera: LoadTarget;
  baseline: LoadTarget;
}

/**
 * Asks each read once of both servers and checks that their `data` is the same and of the expected size.
 * The bodies they answered become what every answer under load must equal.
 */
export async function verifyReads(
  reads: readonly ReadSpec[],
  urls: { tessera: string; baseline: string },
  signal: AbortSignal,
): Promise<VerifiedRead[]> {
  const verified: VerifiedRead[] = [];
  for (const read of reads) {
    const tessera = { url: `${urls.tessera}/graphql`, body: JSON.stringify(read.graphql) };
    const baseline = { url: `${urls.baseline}/${read.key}`, body: JSON.stringify(read.baselineBody) };
    const tesseraBody = await post(tessera.url, tessera.body, signal);
    const baselineBody = await post(baseline.url, baseline.body, signal);
    const tesseraData = dataOf(tesseraBody, `Tessera (${read.label})`);
    const baselineData = dataOf(baselineBody, `baseline (${read.label})`);
    const shape = read.shape(tesseraData);
    if (shape !== read.expectedShape) throw new Error(`${read.label}: Tessera answered ${shape}, expected ${read.expectedShape}.`);
    const difference = firstDifference(tesseraData, baselineData, '$.data');
    if (difference) throw new Error(`${read.label}: Tessera and the baseline disagree at ${difference}.`);
    verified.push({ read, shape, tessera: { ...tessera, expectBody: tesseraBody }, baseline: { ...baseline, expectBody: baselineBody } });
  }
  return verified;
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
