import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { createDemoAccount, type CustomerRef, type DemoAccount, type SubscriptionRef } from '../../demo/account/account.js';
import { startDemoServer, type DemoServer } from '../../demo/server/startDemoServer.js';
import { rawGet, sdkFor, withServer } from './support.js';

const NOW = '2026-06-15T12:00:00Z';
const NOW_UNIX = Date.parse(NOW) / 1000;
const DAY = 86_400;

/**
 * A hand-built account: 300 customers (some created in the same second, to
 * exercise tie order), a few subscriptions of every status, a subscription with
 * 25 items (so its first invoice has 25 lines) and one with 12 items.
 */
function buildAccount(): { account: DemoAccount; customers: CustomerRef[]; deleted: CustomerRef; subs: Record<string, SubscriptionRef>; wide: SubscriptionRef; twelve: SubscriptionRef } {
  const account = createDemoAccount({ seed: 7, now: NOW, accountCreated: '2025-01-01' });
  const product = account.product({ name: 'Pro' });
  const monthly = account.price({ product, unitAmount: 5000, interval: 'month' });
  const tiered = account.price({ product, interval: 'month', tiers: { mode: 'volume', tiers: [{ upTo: 10, unitAmount: 1000 }, { upTo: null, unitAmount: 800 }] } });
  const coupon = account.coupon({ percentOff: 10, duration: 'forever', id: 'TEN' });
  const customers: CustomerRef[] = [];
  const base = Date.parse('2026-01-01T00:00:00Z') / 1000;
  for (let i = 0; i < 300; i++) {
    // Every fifth customer shares its second with the previous one.
    const created = base + Math.floor(i / 5) * 5 * 3600 + (i % 5 === 1 ? 0 : (i % 5) * 60);
    customers.push(account.customer({ email: `c${i}@example.com`, name: `Customer ${i}`, createdAt: created }));
  }
  const subs: Record<string, SubscriptionRef> = {
    active: account.subscribe(customers[0]!, { at: '2026-01-01T00:00:00Z', items: [{ price: monthly, quantity: 2 }], coupon }),
    canceled: account.subscribe(customers[1]!, { at: '2026-01-01T00:00:00Z', items: [{ price: monthly }] }),
    trialing: account.subscribe(customers[2]!, { at: '2026-06-10T00:00:00Z', items: [{ price: tiered, quantity: 12 }], trialDays: 14 }),
  };
  account.cancel(subs.canceled!, { at: '2026-03-05T00:00:00Z' });
  const wideProducts = Array.from({ length: 25 }, (_, i) => account.price({ product: account.product({ name: `Module ${i + 1}` }), unitAmount: 100 * (i + 1), interval: 'month' }));
  const wide = account.subscribe(customers[3]!, { at: '2026-06-01T00:00:00Z', items: wideProducts.map((price) => ({ price })) });
  const twelve = account.subscribe(customers[4]!, { at: '2026-06-02T00:00:00Z', items: wideProducts.slice(0, 12).map((price) => ({ price })) });
  const deleted = customers[5]!;
  account.deleteCustomer(deleted, { at: '2026-05-01T00:00:00Z' });
  account.advanceTo();
  return { account, customers, deleted, subs, wide, twelve };
}

let built: ReturnType<typeof buildAccount>;
let server: DemoServer;
let stripe: Stripe;

beforeAll(async () => {
  built = buildAccount();
  server = await startDemoServer({ account: built.account });
  stripe = sdkFor(server);
});
afterAll(async () => {
  await server.close();
});

async function collectPages(params: Stripe.CustomerListParams): Promise<Stripe.Customer[]> {
  const seen: Stripe.Customer[] = [];
  let page = await stripe.customers.list(params);
  seen.push(...page.data);
  while (page.has_more) {
    page = await stripe.customers.list({ ...params, starting_after: page.data[page.data.length - 1]!.id });
    seen.push(...page.data);
  }
  return seen;
}

describe('list pagination', () => {
  it('pages 299 customers by 7 with every id exactly once, newest first', async () => {
    const listed = await collectPages({ limit: 7 });
    const expected = built.customers.filter((c) => c.id !== built.deleted.id).map((c) => c.id);
    expect(listed).toHaveLength(299);
    expect(new Set(listed.map((c) => c.id))).toEqual(new Set(expected));
    for (let i = 1; i < listed.length; i++) expect(listed[i - 1]!.created).toBeGreaterThanOrEqual(listed[i]!.created);
    // Customers sharing a second come out newest-declared first, the same way every time.
    const again = await collectPages({ limit: 13 });
    expect(again.map((c) => c.id)).toEqual(listed.map((c) => c.id));
    const tie = listed.findIndex((c) => c.id === built.customers[1]!.id);
    expect(listed[tie + 1]!.id).toBe(built.customers[0]!.id);
  });

  it('auto-pagination of the SDK sees the same sequence', async () => {
    const ids: string[] = [];
    for await (const customer of stripe.customers.list({ limit: 7 })) ids.push(customer.id);
    expect(ids).toEqual((await collectPages({ limit: 7 })).map((c) => c.id));
  });

  it('ending_before walks back to the newest object, in list order', async () => {
    const all = (await collectPages({ limit: 100 })).map((c) => c.id);
    const cursor = all[20]!;
    const page = await stripe.customers.list({ limit: 7, ending_before: cursor });
    expect(page.data.map((c) => c.id)).toEqual(all.slice(13, 20));
    expect(page.has_more).toBe(true);
    const first = await stripe.customers.list({ limit: 7, ending_before: all[5]! });
    expect(first.data.map((c) => c.id)).toEqual(all.slice(0, 5));
    expect(first.has_more).toBe(false);
  });

  it('filters by created with gt, gte, lt, lte and an exact value', async () => {
    const from = Date.parse('2026-01-05T00:00:00Z') / 1000;
    const to = Date.parse('2026-01-10T00:00:00Z') / 1000;
    const within = await collectPages({ limit: 100, created: { gte: from, lt: to } });
    expect(within.length).toBeGreaterThan(0);
    for (const c of within) expect(c.created >= from && c.created < to).toBe(true);
    const all = await collectPages({ limit: 100 });
    expect(within.length).toBe(all.filter((c) => c.created >= from && c.created < to).length);
    const exact = await stripe.customers.list({ created: all[10]!.created, limit: 100 });
    expect(exact.data.every((c) => c.created === all[10]!.created)).toBe(true);
    expect(exact.data.map((c) => c.id)).toContain(all[10]!.id);
    const strict = await collectPages({ limit: 100, created: { gt: from, lte: to } });
    for (const c of strict) expect(c.created > from && c.created <= to).toBe(true);
  });

  it('lists subscriptions that have not ended by default, all of them with status=all', async () => {
    const byDefault = await stripe.subscriptions.list({ limit: 100 });
    const ids = byDefault.data.map((s) => s.id);
    expect(ids).toContain(built.subs.active!.id);
    expect(ids).toContain(built.subs.trialing!.id);
    expect(ids).not.toContain(built.subs.canceled!.id);
    const all = await stripe.subscriptions.list({ limit: 100, status: 'all' });
    expect(all.data.map((s) => s.id)).toContain(built.subs.canceled!.id);
    expect(all.data).toHaveLength(byDefault.data.length + 1);
    const canceled = await stripe.subscriptions.list({ status: 'canceled' });
    expect(canceled.data.map((s) => s.id)).toEqual([built.subs.canceled!.id]);
    const forCustomer = await stripe.subscriptions.list({ customer: built.customers[0]!.id });
    expect(forCustomer.data.map((s) => s.id)).toEqual([built.subs.active!.id]);
  });
});

describe('expand', () => {
  it('expands discounts, default payment methods and tiers in lists and on retrieve', async () => {
    const subs = await stripe.subscriptions.list({ customer: built.customers[0]!.id, expand: ['data.discounts', 'data.default_payment_method'] });
    const sub = subs.data[0]!;
    const discount = sub.discounts[0] as Stripe.Discount;
    expect(discount.object).toBe('discount');
    expect(discount.id).toMatch(/^di_/);
    expect(discount.source.coupon).toBe('TEN');
    expect((sub.default_payment_method as Stripe.PaymentMethod).object).toBe('payment_method');
    const plain = await stripe.subscriptions.retrieve(sub.id);
    expect(typeof plain.discounts[0]).toBe('string');
    expect(typeof plain.default_payment_method).toBe('string');

    const customers = await stripe.customers.list({ limit: 3, expand: ['data.invoice_settings.default_payment_method'] });
    for (const c of customers.data) expect((c.invoice_settings.default_payment_method as Stripe.PaymentMethod).card!.last4).toMatch(/^\d{4}$/);
    const one = await stripe.customers.retrieve(customers.data[0]!.id, { expand: ['invoice_settings.default_payment_method'] });
    expect(((one as Stripe.Customer).invoice_settings.default_payment_method as Stripe.PaymentMethod).object).toBe('payment_method');

    const prices = await stripe.prices.list({ limit: 100, expand: ['data.tiers'] });
    const tiered = prices.data.find((p) => p.billing_scheme === 'tiered')!;
    expect(tiered.tiers!.map((t) => [t.up_to, t.unit_amount, t.flat_amount])).toEqual([
      [10, 1000, 0],
      [null, 800, 0],
    ]);
    // On the wire the decimals are strings, as in Stripe's fixtures (the SDK turns them into Decimal objects).
    const raw = await rawGet(server, `/v1/prices/${tiered.id}?expand[]=tiers`);
    expect(raw.body.tiers[0]).toEqual({ flat_amount: 0, flat_amount_decimal: '0', unit_amount: 1000, unit_amount_decimal: '1000', up_to: 10 });
    const withoutTiers = await stripe.prices.retrieve(tiered.id);
    expect('tiers' in withoutTiers).toBe(false);
  });

  it('refuses what cannot be expanded', async () => {
    await expect(stripe.customers.list({ expand: ['data.nothing'] })).rejects.toMatchObject({ type: 'StripeInvalidRequestError', param: 'expand' });
    await expect(stripe.customers.list({ expand: ['invoice_settings.default_payment_method'] })).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe('retrieve and errors', () => {
  it('answers a deleted customer with the deleted stub and leaves it out of the list', async () => {
    const customer = await stripe.customers.retrieve(built.deleted.id);
    expect(customer).toMatchObject({ id: built.deleted.id, object: 'customer', deleted: true });
    expect(Object.keys(customer).sort()).toEqual(['deleted', 'id', 'object']);
    const listed = await stripe.customers.list({ email: 'c5@example.com' });
    expect(listed.data).toEqual([]);
    const live = await stripe.customers.list({ email: 'c6@example.com' });
    expect(live.data.map((c) => c.id)).toEqual([built.customers[6]!.id]);
  });

  it('answers 404 resource_missing through the SDK', async () => {
    const error = await stripe.customers.retrieve('cus_doesnotexist1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ code: 'resource_missing', statusCode: 404, param: 'id', message: "No such customer: 'cus_doesnotexist1'" });
    const raw = await rawGet(server, '/v1/invoices/in_nope');
    expect(raw.status).toBe(404);
    expect(raw.body).toEqual({ error: { type: 'invalid_request_error', code: 'resource_missing', message: "No such invoice: 'in_nope'", param: 'id' } });
  });

  it('answers 400 for bad parameters', async () => {
    await expect(stripe.customers.list({ limit: 0 })).rejects.toMatchObject({ statusCode: 400, param: 'limit' });
    await expect(stripe.customers.list({ limit: 101 })).rejects.toMatchObject({ statusCode: 400, param: 'limit' });
    const unknown = await rawGet(server, '/v1/customers?colour=blue');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toEqual({ type: 'invalid_request_error', message: 'Received unknown parameter: colour', param: 'colour' });
    const both = await rawGet(server, `/v1/customers?starting_after=${built.customers[0]!.id}&ending_before=${built.customers[1]!.id}`);
    expect(both.status).toBe(400);
    const badCreated = await rawGet(server, '/v1/customers?created[gte]=yesterday');
    expect(badCreated.status).toBe(400);
    expect(badCreated.body.error.param).toBe('created[gte]');
  });

  it('answers 401 without a bearer key and never echoes a key', async () => {
    const response = await fetch(`${server.url}/v1/customers`);
    expect(response.status).toBe(401);
    const body = await response.json();
    expect(body.error.type).toBe('invalid_request_error');
    const wrong = await fetch(`${server.url}/v1/customers`, { headers: { Authorization: 'Bearer sk_live_supersecret123' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('supersecret');
    await expect(sdkFor(server, 'sk_live_abc').customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it('refuses every method but GET', async () => {
    server.stats.reset();
    for (const method of ['POST', 'DELETE', 'PUT', 'PATCH']) {
      const response = await fetch(`${server.url}/v1/customers`, { method, headers: { Authorization: 'Bearer sk_test_demo' } });
      expect(response.status).toBe(405);
      expect((await response.json()).error.type).toBe('invalid_request_error');
    }
    await expect(stripe.customers.create({ email: 'x@example.com' })).rejects.toMatchObject({ statusCode: 405 });
    expect(server.stats.byMethod).toEqual({ POST: 2, DELETE: 1, PUT: 1, PATCH: 1 });
    expect(built.account.store.customers).toHaveLength(300);
  });

  it('sends the account clock as Date and a Request-Id', async () => {
    const raw = await rawGet(server, '/v1/account');
    expect(raw.status).toBe(200);
    expect(raw.headers.get('date')).toBe('Mon, 15 Jun 2026 12:00:00 GMT');
    expect(raw.headers.get('request-id')).toMatch(/^req_[A-Za-z0-9]{14}$/);
    const account = await stripe.accounts.retrieveCurrent();
    expect(account).toMatchObject({ object: 'account', default_currency: 'usd', country: 'US' });
  });
});

describe('sub-lists', () => {
  it('embeds 10 of 25 invoice lines and pages the rest by 7', async () => {
    const invoices = await stripe.invoices.list({ subscription: built.wide.id });
    expect(invoices.data).toHaveLength(1);
    const invoice = invoices.data[0]!;
    expect(invoice.lines.data).toHaveLength(10);
    expect(invoice.lines.has_more).toBe(true);
    expect(invoice.lines.url).toBe(`/v1/invoices/${invoice.id}/lines`);
    const lines: Stripe.InvoiceLineItem[] = [];
    for await (const line of stripe.invoices.listLineItems(invoice.id, { limit: 7 })) lines.push(line);
    expect(lines).toHaveLength(25);
    expect(new Set(lines.map((l) => l.id)).size).toBe(25);
    expect(lines.slice(0, 10).map((l) => l.id)).toEqual(invoice.lines.data.map((l) => l.id));
    // Module n costs n x 100: the lines come in the subscription's item order.
    expect(lines.map((l) => l.amount)).toEqual(Array.from({ length: 25 }, (_, i) => (i + 1) * 100));
  });

  it('embeds 10 of 12 subscription items and pages them all', async () => {
    const sub = await stripe.subscriptions.retrieve(built.twelve.id);
    expect(sub.items.data).toHaveLength(10);
    expect(sub.items.has_more).toBe(true);
    expect(sub.items.url).toBe(`/v1/subscription_items?subscription=${sub.id}`);
    const items: Stripe.SubscriptionItem[] = [];
    for await (const item of stripe.subscriptionItems.list({ subscription: sub.id, limit: 5 })) items.push(item);
    expect(items).toHaveLength(12);
    expect(new Set(items.map((i) => i.id)).size).toBe(12);
    expect(items.map((i) => i.price.unit_amount)).toEqual(Array.from({ length: 12 }, (_, i) => (i + 1) * 100));
    const one = await stripe.subscriptionItems.retrieve(items[11]!.id);
    expect(one.id).toBe(items[11]!.id);
    await expect(stripe.subscriptionItems.list({} as Stripe.SubscriptionItemListParams)).rejects.toMatchObject({ statusCode: 400, param: 'subscription' });
  });
});

describe('events', () => {
  it('lists only the last 30 days of events, newest first', async () => {
    const events: Stripe.Event[] = [];
    for await (const event of stripe.events.list({ limit: 100 })) events.push(event);
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(event.created).toBeGreaterThanOrEqual(NOW_UNIX - 30 * DAY);
    for (let i = 1; i < events.length; i++) expect(events[i - 1]!.created).toBeGreaterThanOrEqual(events[i]!.created);
    // The 300 customers were created in January: none of their customer.created events is listed.
    expect(events.filter((e) => e.type === 'customer.created')).toHaveLength(0);
    // The 25-item subscription started on June 1: its creation is.
    const created = events.filter((e) => e.type === 'customer.subscription.created').map((e) => (e.data.object as Stripe.Subscription).id);
    expect(created).toContain(built.wide.id);
    const typed = await stripe.events.list({ type: 'invoice.*', limit: 100 });
    expect(typed.data.length).toBeGreaterThan(0);
    expect(typed.data.every((e) => e.type.startsWith('invoice.'))).toBe(true);
    const several = await stripe.events.list({ types: ['invoice.paid', 'customer.subscription.created'], limit: 100 });
    expect(new Set(several.data.map((e) => e.type))).toEqual(new Set(['invoice.paid', 'customer.subscription.created']));
  });

  it('answers 404 for an event older than 30 days', async () => {
    const store = built.account.store;
    const old = await withServer({ account: built.account }, async (s) => {
      const all = Array.from({ length: store.events.length }, (_, i) => i).filter((i) => store.events.c.created[i]! < NOW_UNIX - 30 * DAY);
      if (all.length === 0) return null;
      return rawGet(s, `/v1/events/${store.id('event', all[0]!)}`);
    });
    // Events that old are not even kept; the account says so.
    expect(old === null || old.status === 404).toBe(true);
    expect(store.droppedEvents).toBeGreaterThan(300);
  });
});

describe('rate limit and injected faults', () => {
  it('answers 429 rate_limit beyond the configured rate', async () => {
    await withServer({ account: built.account, rateLimit: 2 }, async (s, sdk) => {
      // 20 requests at once against 2 per second: even on a slow machine most are refused.
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => sdk.customers.list({ limit: 1 })));
      const limited = results.filter((r) => r.status === 'rejected');
      expect(limited.length).toBeGreaterThanOrEqual(5);
      expect(results.length - limited.length).toBeGreaterThanOrEqual(1);
      for (const r of limited) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect((limited[0] as PromiseRejectedResult).reason).toMatchObject({ statusCode: 429, code: 'rate_limit', type: 'StripeRateLimitError' });
      expect(s.stats.rateLimited).toBe(limited.length);
      expect(s.stats.byStatus[429]).toBe(limited.length);
      // The bucket refills: after a pause a request goes through again.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await expect(sdk.customers.list({ limit: 1 })).resolves.toMatchObject({ object: 'list' });
    });
  });

  it('injects about the configured fraction of 429 and 500 answers, deterministically', async () => {
    const run = () =>
      withServer({ account: built.account, faultRate: 0.3, faultSeed: 5 }, async (s, sdk) => {
        const outcomes: string[] = [];
        for (let i = 0; i < 200; i++) {
          outcomes.push(await sdk.customers.list({ limit: 1 }).then(() => 'ok', (e: Stripe.errors.StripeError) => String(e.statusCode)));
        }
        expect(s.stats.rateLimited + s.stats.serverErrors).toBe(outcomes.filter((o) => o !== 'ok').length);
        return outcomes;
      });
    const first = await run();
    const faults = first.filter((o) => o !== 'ok').length;
    expect(faults).toBeGreaterThan(35);
    expect(faults).toBeLessThan(85);
    expect(first).toContain('429');
    expect(first).toContain('500');
    expect(await run()).toEqual(first);
  });

  it('adds latency to every answer', async () => {
    await withServer({ account: built.account, latencyMs: 120 }, async (_s, sdk) => {
      const started = performance.now();
      await sdk.customers.list({ limit: 1 });
      expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    });
  });
});
