import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoAccount, type DemoAccount, type SubscriptionRef } from '../../demo/account/account.js';
import type { DemoServer } from '../../demo/server/startDemoServer.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { demoAdmin, extractOnce, startDemo, tempDir } from './support.js';

type Json = Record<string, any>;

/** A hand-built account: a subscription of 25 items (its invoices have 25 lines), one of 12, one of 3. */
let account: DemoAccount;
let wide: SubscriptionRef;
let twelve: SubscriptionRef;
let small: SubscriptionRef;
let server: DemoServer;
const temp = tempDir('tributary-sublists-');
const dbPath = `${temp.dir}/w.duckdb`;

beforeAll(async () => {
  account = createDemoAccount({ seed: 9, now: '2026-06-15T12:00:00Z', accountCreated: '2025-06-01' });
  const prices = Array.from({ length: 25 }, (_, i) => account.price({ product: account.product({ name: `Module ${i + 1}` }), unitAmount: 100 * (i + 1), interval: 'month' }));
  const customers = [0, 1, 2].map((i) => account.customer({ email: `wide${i}@example.com`, name: `Wide ${i}`, createdAt: '2026-01-01T00:00:00Z' }));
  wide = account.subscribe(customers[0]!, { at: '2026-02-01T00:00:00Z', items: prices.map((price) => ({ price })) });
  twelve = account.subscribe(customers[1]!, { at: '2026-03-01T00:00:00Z', items: prices.slice(0, 12).map((price) => ({ price, quantity: 2 })) });
  small = account.subscribe(customers[2]!, { at: '2026-03-01T00:00:00Z', items: prices.slice(0, 3).map((price) => ({ price })) });
  account.advanceTo();
  server = await startDemo(account);
  await extractOnce(dbPath, server);
});
afterAll(async () => {
  await server?.close();
  temp.cleanup();
});

async function stored(stream: string, id: string): Promise<Json> {
  const warehouse = await Warehouse.open({ path: dbPath });
  try {
    const row = await warehouse.one<{ data: string }>(`select data::varchar as data from raw_stripe.${stream} where id = ?`, [id]);
    return JSON.parse(row!.data) as Json;
  } finally {
    await warehouse.close();
  }
}

describe('embedded lists longer than 10', () => {
  it('stores a subscription of 25 items and one of 12 whole, in Stripe\'s order', async () => {
    for (const [ref, count] of [[wide, 25], [twelve, 12], [small, 3]] as const) {
      const listed = account.retrieve('subscriptions', ref.id, ['discounts', 'default_payment_method']) as Json;
      // What Stripe embeds: at most 10, with has_more when there are more.
      expect(listed['items'].data.length).toBe(Math.min(10, count));
      const subscription = await stored('subscriptions', ref.id);
      expect(subscription['items'].has_more).toBe(false);
      expect(subscription['items'].data).toHaveLength(count);
      expect(subscription['items'].data.slice(0, Math.min(10, count))).toEqual(listed['items'].data);
      expect(new Set(subscription['items'].data.map((item: Json) => item.id)).size).toBe(count);
      const { items: _items, ...rest } = subscription;
      const { items: _listedItems, ...listedRest } = listed;
      expect(rest).toEqual(listedRest);
    }
  });

  it('stores every invoice of the 25-item subscription with its 25 lines', async () => {
    const invoices = (account.objects('invoices') as Json[]).filter((invoice) => invoice['parent']?.subscription_details?.subscription === wide.id);
    expect(invoices.length).toBeGreaterThanOrEqual(4);
    for (const invoice of invoices) {
      expect(invoice['lines'].has_more).toBe(true);
      const row = await stored('invoices', invoice['id']);
      expect(row['lines'].has_more).toBe(false);
      expect(row['lines'].data).toHaveLength(25);
      expect(row['lines'].data.slice(0, 10)).toEqual(invoice['lines'].data);
      expect(row['lines'].data.reduce((sum: number, line: Json) => sum + line.amount, 0)).toBe(invoice['subtotal']);
    }
  });

  it('completes the lists again when an incremental run refetches the objects', async () => {
    // Stripe replaces the item set: send all 25 (from our complete copy) with one of them raised to 4 seats.
    const current = (await stored('subscriptions', wide.id))['items'].data as Json[];
    await demoAdmin(server, 'change-items', {
      subscription: wide.id,
      items: current.map((item) => ({ price: item.price.id, quantity: item.price.unit_amount === 2500 ? 4 : 1 })),
    });
    const before = server.stats.byRoute['GET /v1/subscription_items'] ?? 0;
    await extractOnce(dbPath, server);
    const subscription = await stored('subscriptions', wide.id);
    expect(subscription['items'].has_more).toBe(false);
    expect(subscription['items'].data).toHaveLength(25);
    expect(subscription['items'].data.find((item: Json) => item.price.unit_amount === 2500).quantity).toBe(4);
    expect((server.stats.byRoute['GET /v1/subscription_items'] ?? 0) - before).toBe(1);
  });
});
