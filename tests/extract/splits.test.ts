import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoServer } from '../../demo/server/startDemoServer.js';
import type { ExtractSummary } from '../../extract/stripe/progress.js';
import { demoAccount, extractOnce, rawSnapshot, startDemo, tempDir } from './support.js';

/**
 * One window per stream: the backfill has to split long windows to keep
 * requests in flight, and the result must be the same as with the default
 * windows.
 */
let server: DemoServer;
const temp = tempDir('tributary-splits-');
let split: ExtractSummary;

beforeAll(async () => {
  server = await startDemo(demoAccount(250, 42), { latencyMs: 5 });
  await extractOnce(`${temp.dir}/default.duckdb`, server);
  split = await extractOnce(`${temp.dir}/split.duckdb`, server, { windowsPerStream: 1, concurrency: 8 });
});
afterAll(async () => {
  await server?.close();
  temp.cleanup();
});

describe('splitting long windows', () => {
  it('splits windows when the streams have too few to keep the pool busy', () => {
    // How many depends on the machine's speed (idle capacity is looked for every 250 ms); that it happens does not.
    expect(split.timings.windowSplits).toBeGreaterThan(0);
    // A page in flight when its window was split may re-read a few objects of the new window: never fewer.
    const invoices = split.streams.find((s) => s.stream === 'invoices')!;
    expect(invoices.objects).toBeGreaterThanOrEqual(server.account.counts()['invoices']!);
    expect(invoices.new).toBe(server.account.counts()['invoices']);
  });

  it('reads exactly the same objects as the default windows', async () => {
    const expected = await rawSnapshot(`${temp.dir}/default.duckdb`);
    const actual = await rawSnapshot(`${temp.dir}/split.duckdb`);
    for (const [stream, rows] of Object.entries(expected)) {
      expect([...actual[stream]!.entries()], stream).toEqual([...rows.entries()]);
    }
  });
});
