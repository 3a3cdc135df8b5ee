import { afterEach, describe, expect, it } from 'vitest';
import { startGameHost, type GameTestHost } from './helpers/game-test-host.ts';

async function runsOf(test: GameTestHost) {
  return test.host.db.prisma.ingestRun.findMany({ where: { job: 'game:manifest' }, orderBy: { startedAt: 'asc' } });
}

async function waitForRunsToEnd(test: GameTestHost) {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const runs = await runsOf(test);
    if (runs.length > 0 && runs.every((run) => run.status !== 'running')) return runs;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the start-up load did not finish in 30 s');
}

describe('the game plugin at start-up', () => {
  let test: GameTestHost | undefined;
  afterEach(async () => {
    await test?.stop();
    test = undefined;
  });

  it('loads the sample into an empty database once, and not again once it is loaded', async () => {
    test = await startGameHost('embedded', { env: { TESSERA_SAMPLE_DATA: 'true' } });
    await test.host.afterStart();
    const runs = await waitForRunsToEnd(test);
    expect(runs.map((run) => [run.trigger, run.status])).toEqual([['start', 'completed_with_errors']]);
    await test.host.afterStart();
    expect(await runsOf(test)).toHaveLength(1);
  });

  it('loads again when an earlier load was cut short, even though some rows exist', async () => {
    test = await startGameHost('embedded', { env: { TESSERA_SAMPLE_DATA: 'true' } });
    const { run, done } = await test.host.jobs.start('game:manifest', {}, 'cli');
    test.host.jobs.cancel(run.id);
    expect((await done).status).toBe('failed');
    // What a load stopped after its first batches leaves behind: rows, but no manifest version.
    await test.game.place.create({
      data: { hash: 1n, index: 0, redacted: false, texts: { create: { lang: 'en', name: 'Leftover', description: '' } } },
    });
    await test.host.afterStart();
    const runs = await waitForRunsToEnd(test);
    expect(runs.map((entry) => entry.status)).toEqual(['failed', 'completed_with_errors']);
    expect(runs[0]?.errorCode).toBe('CANCELLED');
    expect(await test.game.vendorSale.count()).toBeGreaterThan(0);
  });

  it('does nothing when sample data is turned off', async () => {
    test = await startGameHost('embedded', { env: { TESSERA_SAMPLE_DATA: 'false' } });
    await test.host.afterStart();
    expect(await runsOf(test)).toHaveLength(0);
  });
});
