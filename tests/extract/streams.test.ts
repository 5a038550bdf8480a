import { describe, expect, it } from 'vitest';
import { noteChange } from '../../extract/stripe/incremental.js';
import { embeddedRows } from '../../extract/stripe/objects.js';
import { redactSecrets } from '../../extract/stripe/secrets.js';
import { listExpand, objectsNamedByDiscount, streamByName, streamForEventObject, streamNames, streams } from '../../extract/stripe/streams.js';

describe('stream registry', () => {
  it('lists the streams of the issue, each once, named as Stripe names its lists', () => {
    expect([...streamNames].sort()).toEqual(
      ['account', 'balance_transactions', 'charges', 'coupons', 'credit_notes', 'customers', 'disputes', 'events', 'invoiceitems', 'invoices', 'payment_methods', 'prices', 'products', 'refunds', 'subscriptions'].sort(),
    );
  });

  it('maps every event object type of the brief to exactly one stream', () => {
    const expected: Record<string, string> = {
      customer: 'customers',
      subscription: 'subscriptions',
      invoice: 'invoices',
      invoiceitem: 'invoiceitems',
      charge: 'charges',
      refund: 'refunds',
      dispute: 'disputes',
      payment_method: 'payment_methods',
      credit_note: 'credit_notes',
      product: 'products',
      price: 'prices',
      coupon: 'coupons',
    };
    for (const [objectType, stream] of Object.entries(expected)) {
      expect(streamForEventObject(objectType)?.name, objectType).toBe(stream);
      expect(streams.filter((s) => s.eventObjects.includes(objectType)), objectType).toHaveLength(1);
    }
    expect(streamForEventObject('payment_intent')).toBeUndefined();
  });

  it('gives every listed stream a list call, and every event-driven one a retrieve', () => {
    for (const stream of streams) {
      if (stream.incremental === 'events' || stream.incremental === 'created') expect(stream.list, stream.name).toBeTypeOf('function');
      if (stream.incremental === 'events' || stream.incremental === 'derived') expect(stream.retrieve, stream.name).toBeTypeOf('function');
    }
    expect(streamByName('balance_transactions')!.incremental).toBe('created');
    expect(streamByName('events')!.incremental).toBe('created');
    expect(streamByName('events')!.history).toBe('last_30_days');
    expect(streamByName('customers')!.incremental).toBe('events');
  });

  it('asks for every subscription and the expansions the models need', () => {
    expect(streamByName('subscriptions')!.listParams).toEqual({ status: 'all' });
    expect(listExpand(streamByName('prices')!)).toEqual(['data.tiers']);
    expect(listExpand(streamByName('subscriptions')!)).toEqual(['data.discounts', 'data.default_payment_method']);
    expect(listExpand(streamByName('customers')!)).toContain('data.invoice_settings.default_payment_method');
    expect(streamByName('invoices')!.subLists.map((s) => s.field)).toEqual(['lines']);
    expect(streamByName('subscriptions')!.subLists.map((s) => s.field)).toEqual(['items']);
  });

  it('does not treat an events list or a derived stream as showing everything', () => {
    expect(streamByName('events')!.listShowsAll).toBe(false);
    expect(streamByName('payment_methods')!.listShowsAll).toBe(false);
    expect(streamByName('customers')!.listShowsAll).toBe(true);
  });

  it('routes a discount to its customer and subscription', () => {
    expect(objectsNamedByDiscount({ object: 'discount', customer: 'cus_1', subscription: 'sub_1' })).toEqual([
      { stream: 'customers', id: 'cus_1' },
      { stream: 'subscriptions', id: 'sub_1' },
    ]);
    expect(objectsNamedByDiscount({ object: 'discount', customer: { id: 'cus_2', object: 'customer' }, subscription: null })).toEqual([{ stream: 'customers', id: 'cus_2' }]);
  });

  it('copies expanded payment methods out of customers and subscriptions, not bare ids', () => {
    const at = new Date();
    const customer = { id: 'cus_1', object: 'customer', invoice_settings: { default_payment_method: { id: 'pm_1', object: 'payment_method', card: { exp_year: 2030 } } } };
    const rows = embeddedRows(streamByName('customers')!, customer, at);
    expect(rows.map((r) => ({ ...r, row: { ...r.row, data: JSON.parse(r.row.data as string) } }))).toEqual([
      { stream: 'payment_methods', row: { id: 'pm_1', data: customer.invoice_settings.default_payment_method, deleted: false, syncedAt: at } },
    ]);
    expect(embeddedRows(streamByName('subscriptions')!, { id: 'sub_1', object: 'subscription', default_payment_method: 'pm_2' }, at)).toEqual([]);
  });
});

describe('reading events', () => {
  const event = (id: string, type: string, object: Record<string, unknown>, created = 100) => ({ id, object: 'event', type, created, data: { object } });
  const all = new Set(streamNames);

  it('names each changed object once, whatever the number of its events', () => {
    const changes = new Map();
    noteChange(changes, event('evt_1', 'customer.updated', { id: 'cus_1', object: 'customer', email: 'a' }, 100), all);
    noteChange(changes, event('evt_2', 'customer.updated', { id: 'cus_1', object: 'customer', email: 'b' }, 200), all);
    noteChange(changes, event('evt_3', 'customer.subscription.deleted', { id: 'sub_1', object: 'subscription', status: 'canceled' }), all);
    noteChange(changes, event('evt_4', 'payment_intent.succeeded', { id: 'pi_1', object: 'payment_intent' }), all);
    noteChange(changes, event('evt_5', 'customer.discount.created', { id: 'di_1', object: 'discount', customer: 'cus_2', subscription: 'sub_1' }), all);
    noteChange(changes, event('evt_6', 'invoice.upcoming', { object: 'invoice', customer: 'cus_1' }), all);
    const summary = [...changes.values()].map((c) => [c.definition.name, c.id, c.deleted, c.payload?.email ?? null]);
    expect(summary).toEqual([
      ['customers', 'cus_1', false, 'b'],
      // A canceled subscription is not a deleted one: it is refetched.
      ['subscriptions', 'sub_1', false, null],
      ['customers', 'cus_2', false, null],
    ]);
  });

  it('marks <object>.deleted events as deletions and keeps the payload', () => {
    const changes = new Map();
    noteChange(changes, event('evt_1', 'customer.updated', { id: 'cus_1', object: 'customer', email: 'before' }, 100), all);
    noteChange(changes, event('evt_2', 'customer.deleted', { id: 'cus_1', object: 'customer', email: 'at-deletion' }, 150), all);
    const change = changes.get('customers\u0000cus_1');
    expect(change.deleted).toBe(true);
    expect(change.payload.email).toBe('at-deletion');
  });

  it('ignores objects of streams not synced by events this run', () => {
    const changes = new Map();
    noteChange(changes, event('evt_1', 'invoice.paid', { id: 'in_1', object: 'invoice' }), new Set(['customers']));
    expect(changes.size).toBe(0);
  });
});

describe('secrets', () => {
  it('removes the key and anything shaped like a Stripe key or bearer token', () => {
    expect(redactSecrets('Invalid API Key provided: sk_test_abc123XYZ', 'sk_test_abc123XYZ')).toBe('Invalid API Key provided: [redacted]');
    expect(redactSecrets('key rk_live_zzzzzz9 and sk_test_****1234')).toBe('key [redacted key] and [redacted key]');
    expect(redactSecrets('Authorization: Bearer abc.def')).toBe('Authorization: Bearer [redacted]');
  });
});
