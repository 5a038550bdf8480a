import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoServer } from '../../demo/server/startDemoServer.js';
import type { ExtractSummary } from '../../extract/stripe/progress.js';
import { demoAccount, extractOnce, rawSnapshot, startDemo, tempDir } from './support.js';

/**
 * Streams load their spooled pages while they are still read once 32 MB has
 * gathered; a small account never gets there, so here the threshold is 64 KB
 * and the result must equal a run that loads each stream once at its end.
 */
let server: DemoServer;
const temp = tempDir('tributary-early-loads-');
let early: ExtractSummary;
let once: ExtractSummary;

beforeAll(async () => {
  server = await startDemo(demoAccount(200, 11), { latencyMs: 2 });
  once = await extractOnce(`${temp.dir}/once.duckdb`, server, { earlyLoadBytes: Number.MAX_SAFE_INTEGER });
  early = await extractOnce(`${temp.dir}/early.duckdb`, server, { earlyLoadBytes: 64 * 1024 });
}, 300_000);
afterAll(async () => {
  await server?.close();
  temp.cleanup();
});

describe('loading spooled pages while a stream is read', () => {
  it('loads several times during the read, and not at all with the threshold out of reach', () => {
    expect(early.timings.earlyLoads).toBeGreaterThan(3);
    expect(once.timings.earlyLoads).toBe(0);
  });

  it('stores exactly what loading each stream once stores', async () => {
    const expected = await rawSnapshot(`${temp.dir}/once.duckdb`);
    const actual = await rawSnapshot(`${temp.dir}/early.duckdb`);
    for (const [stream, rows] of Object.entries(expected)) {
      expect([...actual[stream]!.entries()], stream).toEqual([...rows.entries()]);
    }
    expect(actual['invoices']!.size).toBe(server.account.counts()['invoices']);
  });
});
