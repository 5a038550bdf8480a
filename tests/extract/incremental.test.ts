import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoAccount } from '../../demo/account/account.js';
import type { DemoServer } from '../../demo/server/startDemoServer.js';
import type { ExtractSummary } from '../../extract/stripe/progress.js';
import { Warehouse } from '../../warehouse/warehouse.js';
import { demoAccount, demoAdmin, extractOnce, startDemo, tempDir } from './support.js';

type Json = Record<string, any>;

const SUB_EXPAND = ['discounts', 'default_payment_method'];
const CUSTOMER_EXPAND = ['invoice_settings.default_payment_method'];

interface Scenario {
  account: DemoAccount;
  server: DemoServer;
  dbPath: string;
  backfill: ExtractSummary;
  incremental: ExtractSummary;
  /** Requests the server answered during the incremental run. */
  incrementalRequests: number;
  targets: Targets;
  signup: { customer: string; subscription: string };
}

interface Targets {
  canceled: string;
  upgraded: string;
  upgradeTo: string;
  cardCustomer: string;
  deletedCustomer: Json;
}

const temp = tempDir('tributary-incremental-');
const scenarios: Scenario[] = [];

/** Active single-item usd subscriptions, and a different usd monthly price to upgrade one of them to. */
function pickTargets(account: DemoAccount): Targets {
  const subs = (account.objects('subscriptions', SUB_EXPAND) as Json[]).filter(
    (s) => s['status'] === 'active' && s['currency'] === 'usd' && s['items'].data.length === 1 && s['items'].data[0].price.recurring?.interval === 'month' && !s['cancel_at_period_end'],
  );
  const [canceled, upgraded, card, deleted] = subs;
  if (!canceled || !upgraded || !card || !deleted) throw new Error('the demo account has too few active usd subscriptions for the scenario');
  const currentPrice = upgraded['items'].data[0].price;
  const upgradeTo = (account.objects('prices') as Json[]).find(
    (p) => p['active'] && p['currency'] === 'usd' && p['recurring']?.interval === 'month' && p['recurring']?.usage_type === 'licensed' && p['unit_amount'] > currentPrice.unit_amount,
  );
  if (!upgradeTo) throw new Error('no higher usd monthly price to upgrade to');
  return {
    canceled: canceled['id'],
    upgraded: upgraded['id'],
    upgradeTo: upgradeTo['id'],
    cardCustomer: card['customer'],
    deletedCustomer: account.retrieve('customers', deleted['customer'], CUSTOMER_EXPAND) as Json,
  };
}

async function runScenario(customers: number): Promise<Scenario> {
  const account = demoAccount(customers, 42);
  const server = await startDemo(account);
  const dbPath = `${temp.dir}/w${customers}.duckdb`;
  const backfill = await extractOnce(dbPath, server);
  const targets = pickTargets(account);
  const price = (account.objects('prices') as Json[]).find((p) => p['active'] && p['currency'] === 'usd' && p['recurring']?.interval === 'month' && p['recurring']?.usage_type === 'licensed')!;
  // The live changes of the brief, at the account clock: a signup, a cancellation, an upgrade, a card update, a deletion.
  const signup = (await demoAdmin(server, 'signup', { email: 'new.signup@example.com', name: 'New Signup', price: price['id'], quantity: 3 })) as { customer: string; subscription: string };
  await demoAdmin(server, 'cancel', { subscription: targets.canceled });
  await demoAdmin(server, 'change-items', { subscription: targets.upgraded, items: [{ price: targets.upgradeTo, quantity: 1 }] });
  await demoAdmin(server, 'update-card', { customer: targets.cardCustomer, expMonth: 4, expYear: 2031 });
  await demoAdmin(server, 'delete-customer', { customer: targets.deletedCustomer['id'] });
  const before = server.stats.total;
  const incremental = await extractOnce(dbPath, server);
  return { account, server, dbPath, backfill, incremental, incrementalRequests: server.stats.total - before, targets, signup };
}

beforeAll(async () => {
  scenarios.push(await runScenario(60));
  scenarios.push(await runScenario(400));
});
afterAll(async () => {
  for (const scenario of scenarios) await scenario.server.close();
  temp.cleanup();
});

async function withWarehouse<T>(path: string, use: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const warehouse = await Warehouse.open({ path });
  try {
    return await use(warehouse);
  } finally {
    await warehouse.close();
  }
}

async function row(warehouse: Warehouse, stream: string, id: string): Promise<{ data: Json; deleted: boolean } | undefined> {
  const found = await warehouse.one<{ data: string; deleted: boolean }>(`select data::varchar as data, deleted from raw_stripe.${stream} where id = ?`, [id]);
  return found && { data: JSON.parse(found.data) as Json, deleted: found.deleted };
}

describe('incremental sync after live changes', () => {
  it('runs incrementally once a backfill has finished', () => {
    for (const { backfill, incremental } of scenarios) {
      expect(backfill.streams.find((s) => s.stream === 'customers')!.mode).toBe('backfill');
      expect(incremental.streams.find((s) => s.stream === 'customers')!.mode).toBe('incremental');
      expect(incremental.streams.find((s) => s.stream === 'invoices')!.mode).toBe('incremental');
    }
  });

  it('brings the signup: its customer, card, subscription and first invoice', async () => {
    for (const { account, dbPath, signup } of scenarios) {
      await withWarehouse(dbPath, async (warehouse) => {
        const customer = await row(warehouse, 'customers', signup.customer);
        expect(customer?.data).toEqual(account.retrieve('customers', signup.customer, CUSTOMER_EXPAND));
        expect(customer?.data['email']).toBe('new.signup@example.com');
        const subscription = await row(warehouse, 'subscriptions', signup.subscription);
        expect(subscription?.data).toEqual(account.retrieve('subscriptions', signup.subscription, SUB_EXPAND));
        expect(subscription?.data['items'].data[0].quantity).toBe(3);
        const invoices = await warehouse.all<{ id: string }>(`select id from raw_stripe.invoices where json_extract_string(data, '$.parent.subscription_details.subscription') = ?`, [signup.subscription]);
        expect(invoices.length).toBeGreaterThan(0);
        const pm = customer!.data['invoice_settings'].default_payment_method;
        expect((await row(warehouse, 'payment_methods', pm.id))?.data).toEqual(pm);
      });
    }
  });

  it('brings the cancellation, the upgrade and the card update as the account shows them now', async () => {
    for (const { account, dbPath, targets } of scenarios) {
      await withWarehouse(dbPath, async (warehouse) => {
        const canceled = await row(warehouse, 'subscriptions', targets.canceled);
        expect(canceled?.data['status']).toBe('canceled');
        expect(canceled?.data).toEqual(account.retrieve('subscriptions', targets.canceled, SUB_EXPAND));
        const upgraded = await row(warehouse, 'subscriptions', targets.upgraded);
        expect(upgraded?.data['items'].data.map((item: Json) => item.price.id)).toEqual([targets.upgradeTo]);
        expect(upgraded?.data).toEqual(account.retrieve('subscriptions', targets.upgraded, SUB_EXPAND));
        const customer = await row(warehouse, 'customers', targets.cardCustomer);
        const card = customer!.data['invoice_settings'].default_payment_method;
        expect(card.card).toMatchObject({ exp_month: 4, exp_year: 2031 });
        expect(customer?.data).toEqual(account.retrieve('customers', targets.cardCustomer, CUSTOMER_EXPAND));
        expect((await row(warehouse, 'payment_methods', card.id))?.data).toEqual(card);
      });
    }
  });

  it('marks the deleted customer deleted and keeps its last data (email, name)', async () => {
    for (const { dbPath, targets } of scenarios) {
      await withWarehouse(dbPath, async (warehouse) => {
        const deleted = await row(warehouse, 'customers', targets.deletedCustomer['id']);
        expect(deleted?.deleted).toBe(true);
        expect(deleted?.data['email']).toBe(targets.deletedCustomer['email']);
        expect(deleted?.data['name']).toBe(targets.deletedCustomer['name']);
        expect(deleted?.data).toEqual(targets.deletedCustomer);
      });
    }
  });

  it('costs requests in proportion to the changes, not to the account size', () => {
    const [small, large] = scenarios as [Scenario, Scenario];
    const objectsRead = (summary: ExtractSummary) => summary.streams.reduce((n, s) => n + s.objects, 0);
    expect(objectsRead(large.backfill) / objectsRead(small.backfill)).toBeGreaterThan(4);
    expect(large.backfill.requests).toBeGreaterThan(small.backfill.requests + 50);
    // The same five changes: the incremental runs cost the same few requests whatever the account size.
    expect(small.incremental.requests).toBe(small.incrementalRequests);
    expect(small.incremental.requests).toBeLessThan(40);
    expect(Math.abs(large.incremental.requests - small.incremental.requests)).toBeLessThanOrEqual(2);
  });

  it('a run with nothing new reads the account, one page of events and one of balance transactions', async () => {
    for (const scenario of scenarios) {
      const before = scenario.server.stats.total;
      const quiet = await extractOnce(scenario.dbPath, scenario.server);
      const requests = scenario.server.stats.total - before;
      expect(quiet.requests).toBe(requests);
      // The changes' events are re-read within the cursor overlap, but their objects are not refetched again.
      expect(requests).toBe(3);
      expect(quiet.streams.every((s) => s.mode === 'incremental')).toBe(true);
      expect(quiet.streams.reduce((n, s) => n + s.new, 0)).toBe(0);
    }
  });
});
