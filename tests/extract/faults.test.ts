import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoAccount } from '../../demo/account/account.js';
import type { DemoServer } from '../../demo/server/startDemoServer.js';
import type { ExtractSummary } from '../../extract/stripe/progress.js';
import { demoAccount, extractOnce, rawSnapshot, startDemo, tempDir } from './support.js';

let account: DemoAccount;
let clean: DemoServer;
let flaky: DemoServer;
const temp = tempDir('tributary-faults-');
let reference: Awaited<ReturnType<typeof rawSnapshot>>;
let faulty: Awaited<ReturnType<typeof rawSnapshot>>;
let summary: ExtractSummary;

beforeAll(async () => {
  account = demoAccount(200, 42);
  clean = await startDemo(account);
  // One request in five answered 429 or 500 (half each), like a struggling API.
  flaky = await startDemo(account, { faultRate: 0.2, faultSeed: 5 });
  await extractOnce(`${temp.dir}/clean.duckdb`, clean);
  summary = await extractOnce(`${temp.dir}/flaky.duckdb`, flaky);
  reference = await rawSnapshot(`${temp.dir}/clean.duckdb`);
  faulty = await rawSnapshot(`${temp.dir}/flaky.duckdb`);
});
afterAll(async () => {
  await clean?.close();
  await flaky?.close();
  temp.cleanup();
});

describe('20% injected 429 and 500 answers', () => {
  it('were really injected, and retried', () => {
    expect(flaky.stats.rateLimited).toBeGreaterThan(10);
    expect(flaky.stats.serverErrors).toBeGreaterThan(10);
    expect(summary.retries).toBe(flaky.stats.rateLimited + flaky.stats.serverErrors);
  });

  it('leave a warehouse identical to a clean run, stream by stream', () => {
    for (const [stream, rows] of Object.entries(reference)) {
      expect(faulty[stream]!.size, stream).toBe(rows.size);
      expect([...faulty[stream]!.entries()], stream).toEqual([...rows.entries()]);
    }
    expect(reference['invoices']!.size).toBe(account.counts()['invoices']);
  });
});
