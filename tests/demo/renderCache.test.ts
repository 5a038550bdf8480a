import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoServer } from '../../demo/server/startDemoServer.js';
import { demoAccount, startDemo } from '../extract/support.js';

/**
 * The render cache bench:extract turns on must not change a single answer:
 * a server that rendered its lists ahead answers byte for byte like one that
 * renders on each request, before and after the account changes.
 */
const lists = ['/v1/customers?limit=100&expand[]=data.invoice_settings.default_payment_method', '/v1/invoices?limit=100', '/v1/subscriptions?limit=100&status=all'];
let plain: DemoServer;
let cached: DemoServer;

beforeAll(async () => {
  // Two accounts from the same seed: each server changes its own.
  plain = await startDemo(demoAccount(60, 7));
  cached = await startDemo(demoAccount(60, 7), { prerender: lists });
});
afterAll(async () => {
  await plain?.close();
  await cached?.close();
});

async function body(server: DemoServer, path: string): Promise<string> {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer sk_test_cache' } });
  expect(response.status).toBe(200);
  return response.text();
}

async function admin(server: DemoServer, action: string, payload: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${server.url}/_demo/${action}`, { method: 'POST', body: JSON.stringify(payload) });
  expect(response.status, await response.clone().text()).toBe(200);
}

describe('the demo server render cache', () => {
  it('answers list pages exactly as rendering on each request does, including pages cut differently', async () => {
    for (const path of [...lists, '/v1/invoices?limit=7', '/v1/customers?limit=3&expand[]=data.invoice_settings.default_payment_method']) {
      const answer = await body(cached, path);
      expect(answer, path).toBe(await body(plain, path));
      expect((JSON.parse(answer) as { data: unknown[] }).data.length, path).toBeGreaterThan(0);
    }
  });

  it('answers with the change after the account changes, not the rendering it kept', async () => {
    const customers = JSON.parse(await body(plain, '/v1/customers?limit=1')) as { data: { id: string }[] };
    const id = customers.data[0]!.id;
    for (const server of [plain, cached]) await admin(server, 'update-customer', { customer: id, name: 'Renamed After Caching' });
    const answer = await body(cached, lists[0]!);
    expect(answer).toContain('Renamed After Caching');
    expect(answer).toBe(await body(plain, lists[0]!));
  });
});
