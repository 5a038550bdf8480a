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
let byDefault: ExtractSummary;
/** Windows each stream's full read started with, by the default plan. */
const startedWith = new Map<string, number>();

beforeAll(async () => {
  server = await startDemo(demoAccount(250, 42), { latencyMs: 5 });
  byDefault = await extractOnce(`${temp.dir}/default.duckdb`, server, {
    onProgress: (event) => {
      if (event.type === 'stream_started' && event.windows !== undefined) startedWith.set(event.stream, event.windows);
    },
  });
  split = await extractOnce(`${temp.dir}/split.duckdb`, server, { windowsPerStream: 1, concurrency: 8 });
});
afterAll(async () => {
  await server?.close();
  temp.cleanup();
});

describe('splitting long windows', () => {
  it('starts the catalog with one window a stream and the others with eight', () => {
    expect(Object.fromEntries(startedWith)).toEqual({
      customers: 8,
      products: 1,
      prices: 1,
      coupons: 1,
      subscriptions: 8,
      invoices: 8,
      invoiceitems: 8,
      charges: 8,
      refunds: 8,
      disputes: 8,
      balance_transactions: 8,
      credit_notes: 8,
      events: 8,
    });
    // One window reads a short catalog in one request.
    for (const stream of ['products', 'coupons']) expect(byDefault.streams.find((s) => s.stream === stream)!.pages, stream).toBe(1);
  });

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
