import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DemoAccount } from '../../demo/account/account.js';
import { renderAccount } from '../../demo/account/render/account.js';
import { generateDemoAccount } from '../../demo/generate/generateDemoAccount.js';
import { shapeDifferences } from './shapeDiff.js';

/**
 * Every rendered object type has exactly the keys of Stripe's own example of
 * it (stripe/openapi fixtures for the API version the SDK pins), nested objects
 * included. The documented exceptions:
 * - invoice lines and invoice items carry `pricing.price_details` {price, product}
 *   (present in real answers of this API version; the fixture leaves the optional
 *   object out);
 * - prices carry `tiers` only when expanded (as Stripe does), so a plain render
 *   matches the fixture;
 * - metered subscription items have no `quantity` (as Stripe answers);
 * - `*.updated` events carry `data.previous_attributes`;
 * - free-form `metadata` contents are not compared; a field that is null on one
 *   side is a value, not a shape.
 */
const fixtures = JSON.parse(readFileSync(new URL('../../../shared/reference/stripe-openapi-fixtures3.json', import.meta.url), 'utf8')).resources as Record<string, unknown>;

type Obj = Record<string, any>;

let account: DemoAccount;
beforeAll(() => {
  account = generateDemoAccount({ customers: 800, seed: 11, now: '2026-06-15T12:00:00Z' });
});

const LISTS: Array<[string, string]> = [
  ['customers', 'customer'],
  ['products', 'product'],
  ['prices', 'price'],
  ['coupons', 'coupon'],
  ['tax_rates', 'tax_rate'],
  ['subscriptions', 'subscription'],
  ['invoices', 'invoice'],
  ['invoiceitems', 'invoiceitem'],
  ['charges', 'charge'],
  ['refunds', 'refund'],
  ['disputes', 'dispute'],
  ['balance_transactions', 'balance_transaction'],
  ['credit_notes', 'credit_note'],
  ['payment_methods', 'payment_method'],
  ['payouts', 'payout'],
];

const ALLOWED = new Set(['extra pricing.price_details', 'extra lines.data.[0]pricing.price_details']);

function differences(object: unknown, type: string): string[] {
  return shapeDifferences(object, fixtures[type]).filter((d) => !ALLOWED.has(d));
}

describe('object shapes match the fixtures', () => {
  for (const [list, type] of LISTS) {
    it(`${list}: every object has the keys of resources.${type}`, () => {
      const objects = account.objects(list) as Obj[];
      expect(objects.length).toBeGreaterThan(0);
      const found = new Set<string>();
      for (const object of objects) for (const d of differences(object, type)) found.add(d);
      expect([...found]).toEqual([]);
    });
  }

  it('embedded and sub-list objects: line items, subscription items, discounts, credit note lines', () => {
    const lines = (account.objects('invoices') as Obj[]).flatMap((inv) => inv['lines'].data);
    expect(new Set(lines.flatMap((l) => differences(l, 'line_item')))).toEqual(new Set());
    const subs = account.objects('subscriptions', ['discounts']) as Obj[];
    const items = subs.flatMap((s) => s['items'].data).filter((i) => 'quantity' in i);
    expect(items.length).toBeGreaterThan(0);
    expect(new Set(items.flatMap((i) => differences(i, 'subscription_item')))).toEqual(new Set());
    const metered = subs.flatMap((s) => s['items'].data).filter((i) => !('quantity' in i));
    expect(metered.length).toBeGreaterThan(0);
    expect(differences(metered[0], 'subscription_item')).toEqual(['missing quantity']);
    const discounts = subs.flatMap((s) => s['discounts']);
    expect(discounts.length).toBeGreaterThan(0);
    expect(new Set(discounts.flatMap((d) => differences(d, 'discount')))).toEqual(new Set());
    const noteLines = (account.objects('credit_notes') as Obj[]).flatMap((n) => n['lines'].data);
    expect(new Set(noteLines.flatMap((l) => differences(l, 'credit_note_line_item')))).toEqual(new Set());
  });

  it('a deleted customer, the account, and tiers when expanded', () => {
    const deleted = (account.store.customers.find((c) => c.deletedAt > 0))!;
    const stub = account.retrieve('customers', account.store.id('customer', deleted.idx));
    expect(differences(stub, 'deleted_customer')).toEqual([]);
    expect(differences(renderAccount(account.store), 'account')).toEqual([]);
    const tiered = (account.objects('prices', ['tiers']) as Obj[]).find((p) => p['billing_scheme'] === 'tiered')!;
    expect(differences(tiered, 'price')).toEqual(['extra tiers']);
    expect(Object.keys(tiered['tiers'][0]).sort()).toEqual(['flat_amount', 'flat_amount_decimal', 'unit_amount', 'unit_amount_decimal', 'up_to']);
  });

  it('events: the envelope of resources.event, data.object of its own type', () => {
    const events = account.objects('events') as Obj[];
    const types = new Set<string>();
    for (const event of events) {
      const envelope = { ...event, data: {} };
      expect(shapeDifferences(envelope, { ...(fixtures['event'] as Obj), data: {} })).toEqual([]);
      const expectedData = event['type'].endsWith('.updated') ? ['object', 'previous_attributes'] : ['object'];
      expect(Object.keys(event['data']).sort()).toEqual(expectedData);
      const object = event['data'].object;
      types.add(object.object);
      expect(differences(object, object.object)).toEqual([]);
    }
    expect([...types].sort()).toEqual(expect.arrayContaining(['charge', 'customer', 'invoice', 'payment_method', 'subscription']));
  });
});
