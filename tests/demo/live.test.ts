import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { generateDemoAccount } from '../../demo/generate/generateDemoAccount.js';
import { startDemoServer, type DemoServer } from '../../demo/server/startDemoServer.js';
import { sdkFor } from './support.js';

/** Live changes to a running server through its /_demo admin routes, seen through the SDK as Stripe would show them. */
const NOW = '2026-06-15T12:00:00Z';
const NOW_UNIX = Date.parse(NOW) / 1000;

let server: DemoServer;
let stripe: Stripe;

beforeAll(async () => {
  server = await startDemoServer({ account: generateDemoAccount({ customers: 300, seed: 21, now: NOW }) });
  stripe = sdkFor(server);
});
afterAll(async () => {
  await server.close();
});

async function admin(action: string, body: Record<string, unknown> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}/_demo/${action}`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  return { status: response.status, body: await response.json() };
}

async function eventsSince(cursor: string): Promise<Stripe.Event[]> {
  const out: Stripe.Event[] = [];
  let page = await stripe.events.list({ ending_before: cursor, limit: 100 });
  out.push(...page.data);
  while (page.has_more) {
    page = await stripe.events.list({ ending_before: page.data[0]!.id, limit: 100 });
    out.unshift(...page.data);
  }
  return out;
}

describe('live changes through /_demo', () => {
  it('applies a signup, a cancellation, an upgrade, a card update and a deletion, with their events', async () => {
    const newest = (await stripe.events.list({ limit: 1 })).data[0]!;
    const prices = await stripe.prices.list({ limit: 100, currency: 'usd', type: 'recurring' });
    const pro = prices.data.find((p) => p.lookup_key === 'pro_month_usd')!;
    const business = prices.data.find((p) => p.lookup_key === 'business_month_usd')!;
    const active: Stripe.Subscription[] = [];
    for await (const sub of stripe.subscriptions.list({ status: 'active', limit: 100 })) active.push(sub);
    const monthlyUsd = active.filter((s) => s.currency === 'usd' && s.items.data.length === 1 && s.items.data[0]!.price.recurring?.interval === 'month' && !s.cancel_at_period_end && s.items.data[0]!.price.id !== business.id);
    const [toCancel, toUpgrade] = monthlyUsd;
    const cardOwner = active.find((s) => s.id !== toCancel!.id && s.id !== toUpgrade!.id)!.customer as string;
    const toDelete = active.find((s) => ![toCancel!.id, toUpgrade!.id].includes(s.id) && s.customer !== cardOwner)!;

    expect((await admin('advance', { seconds: 3600 })).body.now).toBe('2026-06-15T13:00:00Z');
    const signup = await admin('signup', { email: 'live@example.com', name: 'Live Signup', price: pro.id, quantity: 2 });
    expect(signup.status).toBe(200);
    expect((await admin('cancel', { subscription: toCancel!.id, atPeriodEnd: true, feedback: 'too_expensive' })).status).toBe(200);
    expect((await admin('change-items', { subscription: toUpgrade!.id, price: business.id, prorationBehavior: 'always_invoice' })).status).toBe(200);
    expect((await admin('update-card', { customer: cardOwner, expMonth: 3, expYear: 2031 })).status).toBe(200);
    expect((await admin('delete-customer', { customer: toDelete.customer })).status).toBe(200);
    await admin('advance', { seconds: 10 });

    const fresh = await eventsSince(newest.id);
    const about = (type: string, id: string) => fresh.filter((e) => e.type === type && (e.data.object as { id: string }).id === id);
    // The signup: customer, card, subscription, its first invoice paid by a charge.
    expect(about('customer.created', signup.body.customer)).toHaveLength(1);
    expect(about('customer.subscription.created', signup.body.subscription)).toHaveLength(1);
    const signupInvoice = fresh.find((e) => e.type === 'invoice.paid' && (e.data.object as Stripe.Invoice).parent?.subscription_details?.subscription === signup.body.subscription)!;
    expect((signupInvoice.data.object as Stripe.Invoice).amount_paid).toBe(2 * pro.unit_amount!);
    expect(fresh.some((e) => e.type === 'charge.succeeded' && (e.data.object as Stripe.Charge).customer === signup.body.customer)).toBe(true);
    // The cancellation at period end.
    const canceled = about('customer.subscription.updated', toCancel!.id);
    expect(canceled).toHaveLength(1);
    expect(canceled[0]!.data.previous_attributes).toMatchObject({ cancel_at_period_end: false });
    expect((canceled[0]!.data.object as Stripe.Subscription).cancel_at_period_end).toBe(true);
    // The upgrade: prorations invoiced at once.
    expect(about('customer.subscription.updated', toUpgrade!.id).length).toBeGreaterThanOrEqual(1);
    expect(fresh.filter((e) => e.type === 'invoiceitem.created' && (e.data.object as Stripe.InvoiceItem).parent?.subscription_details?.subscription === toUpgrade!.id)).toHaveLength(2);
    const upgradeInvoice = fresh.find((e) => e.type === 'invoice.created' && (e.data.object as Stripe.Invoice).billing_reason === 'subscription_update')!;
    expect((upgradeInvoice.data.object as Stripe.Invoice).parent?.subscription_details?.subscription).toBe(toUpgrade!.id);
    // The card update: a new card attached and made the default.
    expect(fresh.some((e) => e.type === 'payment_method.attached' && (e.data.object as Stripe.PaymentMethod).customer === cardOwner)).toBe(true);
    expect(about('customer.updated', cardOwner).some((e) => 'invoice_settings' in (e.data.previous_attributes ?? {}))).toBe(true);
    // The deletion.
    expect(about('customer.deleted', toDelete.customer as string)).toHaveLength(1);
    expect(about('customer.subscription.deleted', toDelete.id)).toHaveLength(1);
    for (const e of fresh) expect(e.created).toBeGreaterThan(NOW_UNIX);

    // The objects themselves changed.
    expect(await stripe.customers.retrieve(toDelete.customer as string)).toMatchObject({ deleted: true });
    expect(await stripe.subscriptions.retrieve(toCancel!.id)).toMatchObject({ cancel_at_period_end: true, status: 'active' });
    expect((await stripe.subscriptions.retrieve(toUpgrade!.id)).items.data[0]!.price.id).toBe(business.id);
    expect((await stripe.customers.list({ email: 'live@example.com' })).data).toHaveLength(1);
    const response = await fetch(`${server.url}/v1/account`, { headers: { Authorization: 'Bearer sk_test_demo' } });
    expect(response.headers.get('date')).toBe('Mon, 15 Jun 2026 13:00:10 GMT');
  });

  it('moves the clock so old events age out of the 30-day window', async () => {
    const before = (await stripe.events.list({ limit: 100, created: { lt: NOW_UNIX - 20 * 86_400 } })).data.length;
    expect(before).toBeGreaterThan(0);
    await admin('advance', { days: 11 });
    const after = await stripe.events.list({ limit: 100, created: { lt: NOW_UNIX - 20 * 86_400 } });
    // Everything before now - 30 days (from the new clock) is gone from the list.
    for (const e of after.data) expect(e.created).toBeGreaterThanOrEqual(NOW_UNIX + 11 * 86_400 + 3610 - 30 * 86_400);
    const state = await fetch(`${server.url}/_demo/state`).then((r) => r.json());
    expect(state.now).toBe('2026-06-26T13:00:10Z');
    expect(state.counts.customers).toBeGreaterThan(250);
  });

  it('keeps a page cursor valid when its customer is deleted between two pages', async () => {
    const first = await stripe.customers.list({ limit: 5 });
    const cursor = first.data[4]!.id;
    const whole = await stripe.customers.list({ limit: 15 });
    expect((await admin('delete-customer', { customer: cursor })).status).toBe(200);
    const next = await stripe.customers.list({ limit: 10, starting_after: cursor });
    // The page after the cursor is what followed it before the deletion.
    expect(next.data.map((c) => c.id)).toEqual(whole.data.slice(5, 15).map((c) => c.id));
    expect((await stripe.customers.list({ limit: 5 })).data.map((c) => c.id)).not.toContain(cursor);
  });

  it('answers a bad admin request with a 400 that names the problem', async () => {
    const missing = await admin('cancel', { subscription: 'sub_nothere' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('sub_nothere');
    const unknown = await admin('teleport');
    expect(unknown.status).toBe(400);
    const back = await admin('advance', { to: '2020-01-01T00:00:00Z' });
    expect(back.status).toBe(400);
    expect(back.body.error.message).toMatch(/back/);
  });
});
