import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoAccount } from '../../demo/account/account.js';
import type { DemoServer } from '../../demo/server/startDemoServer.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { demoAccount, extractOnce, rawIds, startDemo, tempDir } from './support.js';

type Json = Record<string, any>;

/** The lists a full read covers, with the expansions the registry asks for (without `data.`). */
const LISTED: Record<string, string[]> = {
  customers: ['invoice_settings.default_payment_method'],
  products: [],
  prices: ['tiers'],
  coupons: [],
  subscriptions: ['discounts', 'default_payment_method'],
  invoices: ['discounts'],
  invoiceitems: [],
  charges: [],
  refunds: [],
  disputes: [],
  balance_transactions: [],
  credit_notes: [],
  events: [],
};

let account: DemoAccount;
let server: DemoServer;
const temp = tempDir('tributary-backfill-');
const dbPath = `${temp.dir}/w.duckdb`;
let warehouse: Warehouse;

beforeAll(async () => {
  account = demoAccount(150, 42);
  server = await startDemo(account);
  await extractOnce(dbPath, server);
  warehouse = await Warehouse.open({ path: dbPath });
});
afterAll(async () => {
  await warehouse?.close();
  await server?.close();
  temp.cleanup();
});

/** Stored objects by id; sub-lists are compared apart. */
async function stored(stream: string): Promise<Map<string, { data: Json; deleted: boolean }>> {
  const rows = await warehouse.all<{ id: string; data: string; deleted: boolean }>(`select id, data::varchar as data, deleted from raw_stripe.${stream}`);
  return new Map(rows.map((row) => [row.id, { data: JSON.parse(row.data) as Json, deleted: row.deleted }]));
}

function withoutTruncatedLists(object: Json): Json {
  const copy = { ...object };
  for (const field of ['lines', 'items']) if (copy[field]?.object === 'list') delete copy[field];
  return copy;
}

describe('backfill of a generated demo account', () => {
  it('stores exactly the objects each list of the account holds, stream by stream', async () => {
    const counts = account.counts();
    for (const [stream, expand] of Object.entries(LISTED)) {
      const expected = account.objects(stream, expand) as Json[];
      expect(expected.length, stream).toBe(counts[stream]);
      const rows = await stored(stream);
      const live = [...rows.entries()].filter(([, row]) => !row.deleted);
      // Deleted customers come on top of the listed ones; every other stream holds just the list.
      expect(live.map(([id]) => id).sort(), stream).toEqual(expected.map((o) => o['id']).sort());
      for (const object of expected) {
        const row = rows.get(object['id'])!;
        expect(withoutTruncatedLists(row.data), `${stream} ${object['id']}`).toEqual(withoutTruncatedLists(object));
      }
    }
  });

  it('completes every invoice line list and subscription item list', async () => {
    const invoices = await stored('invoices');
    const lineCounts = account.store.invoices.c.lineCount;
    let lines = 0;
    for (const [id, row] of invoices) {
      const idx = account.store.lookup('invoice', id)!;
      expect(row.data['lines'].has_more, id).toBe(false);
      expect(row.data['lines'].data.length, id).toBe(lineCounts[idx]);
      lines += row.data['lines'].data.length;
    }
    expect(lines).toBe(account.counts()['invoice_lines'] ?? lines);
    for (const [id, row] of await stored('subscriptions')) {
      expect(row.data['items'].has_more, id).toBe(false);
      const retrieved = account.retrieve('subscriptions', id) as Json;
      if (!retrieved['items'].has_more) expect(row.data['items'].data, id).toEqual(retrieved['items'].data);
    }
  });

  it('keeps deleted customers that other objects name, as Stripe returns them, marked deleted', async () => {
    const listed = new Set(account.ids('customers'));
    const referenced = new Set<string>();
    for (const stream of ['subscriptions', 'invoices', 'charges', 'invoiceitems', 'credit_notes']) {
      for (const object of account.objects(stream) as Json[]) if (typeof object['customer'] === 'string') referenced.add(object['customer']);
    }
    const missing = [...referenced].filter((id) => !listed.has(id)).sort();
    expect(missing.length).toBeGreaterThan(0);
    const customers = await stored('customers');
    const { deleted } = await rawIds(warehouse, 'customers');
    expect(deleted).toEqual(missing);
    for (const id of missing) expect(customers.get(id)!.data).toEqual(account.retrieve('customers', id));
  });

  it('copies the customers\' and subscriptions\' default payment methods into payment_methods', async () => {
    const expected = new Map<string, Json>();
    for (const customer of account.objects('customers', LISTED['customers']) as Json[]) {
      const pm = customer['invoice_settings']?.default_payment_method;
      if (pm && typeof pm === 'object') expected.set(pm.id, pm);
    }
    for (const subscription of account.objects('subscriptions', LISTED['subscriptions']) as Json[]) {
      const pm = subscription['default_payment_method'];
      if (pm && typeof pm === 'object') expected.set(pm.id, pm);
    }
    expect(expected.size).toBeGreaterThan(0);
    const rows = await stored('payment_methods');
    expect([...rows.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, pm] of expected) expect(rows.get(id)!.data, id).toEqual(pm);
  });

  it('stores the account and records every stream as complete, with the server time as the cursor', async () => {
    const accountRows = await stored('account');
    expect([...accountRows.keys()]).toEqual([account.store.accountId]);
    const states = await warehouse.all<{ stream: string; phase: string; events_cursor: number | null; object_count: number }>(
      `select stream, phase, events_cursor, object_count from meta.sync_state order by stream`,
    );
    for (const stream of Object.keys(LISTED)) {
      const state = states.find((s) => s.stream === stream);
      expect(state, stream).toMatchObject({ phase: 'incremental', events_cursor: account.now });
    }
    expect(await warehouse.all(`select count(*)::int as n from meta.sync_windows`)).toEqual([{ n: 0 }]);
    const runs = await warehouse.all<{ status: string; command: string; counts: string }>(`select status, command, counts::varchar as counts from meta.runs`);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'succeeded', command: 'extract stripe' });
    // Customers named by other objects but deleted in Stripe are stored as deletions, not new customers.
    const customerCounts = JSON.parse(runs[0]!.counts).customers;
    expect(customerCounts).toMatchObject({ mode: 'backfill', new: account.ids('customers').length, updated: 0, deleted: (await rawIds(warehouse, 'customers')).deleted.length });
  });

  it('sent only GET requests', () => {
    expect(Object.keys(server.stats.byMethod)).toEqual(['GET']);
  });
});
