import { describe, expect, it } from 'vitest';
import { generateDemoAccount } from '../../demo/generate/generateDemoAccount.js';
import { startDemoServer } from '../../demo/server/startDemoServer.js';
import { sdkFor } from './support.js';

/**
 * Scale sanity with generous bounds (a loaded 2-core machine): 10,000 customers
 * generate well within a minute and hold their millions of fields in typed
 * arrays, and full 100-object pages of the heaviest lists come back fast. The
 * measured figures are in the README (npm run bench:demo).
 */
describe('performance', () => {
  it('generates 10,000 customers within generous bounds and serves full pages quickly', async () => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const account = generateDemoAccount({ customers: 10_000, seed: 42, now: '2026-06-15T12:00:00Z' });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const counts = account.counts();
    expect(counts['customers']).toBeGreaterThan(9_500);
    expect(counts['invoices']).toBeGreaterThan(30_000);
    // Wall time on a busy machine; the CPU time is what an idle one would take.
    expect(seconds).toBeLessThan(120);
    expect((used.user + used.system) / 1e6).toBeLessThan(30);
    expect(process.memoryUsage().heapUsed).toBeLessThan(1_000_000_000);

    const server = await startDemoServer({ account });
    try {
      const stripe = sdkFor(server);
      const pageStarted = performance.now();
      const invoices = await stripe.invoices.list({ limit: 100 });
      const charges = await stripe.charges.list({ limit: 100 });
      const events = await stripe.events.list({ limit: 100 });
      const pageSeconds = (performance.now() - pageStarted) / 1000;
      expect(invoices.data).toHaveLength(100);
      expect(charges.data).toHaveLength(100);
      expect(events.data).toHaveLength(100);
      expect(pageSeconds).toBeLessThan(20);
    } finally {
      await server.close();
    }
  });
});
