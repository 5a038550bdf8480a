import { describe, expect, it } from 'vitest';
import { createDemoAccount, type DemoAccount } from '../../demo/account/account.js';

/**
 * Hand-checked billing scenarios. Every expected number is worked out in the
 * comments from Stripe's rules (and metrics.md), not read from the output.
 */

const u = (iso: string) => Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso) / 1000;
const HOUR = 3600;
const DAY = 86_400;

type Obj = Record<string, any>;

const objects = (account: DemoAccount, list: string, expand?: string[]) => account.objects(list, expand) as Obj[];
const get = (account: DemoAccount, list: string, id: string, expand?: string[]) => account.retrieve(list, id, expand) as Obj;

function invoicesOf(account: DemoAccount, subscription: string): Obj[] {
  return objects(account, 'invoices')
    .filter((inv) => inv['parent']?.subscription_details?.subscription === subscription)
    .sort((a, b) => a['created'] - b['created']);
}

function chargesOf(account: DemoAccount, customer: string): Obj[] {
  return objects(account, 'charges')
    .filter((c) => c['customer'] === customer)
    .sort((a, b) => a['created'] - b['created']);
}

function txnOf(account: DemoAccount, id: string): Obj {
  return get(account, 'balance_transactions', id)!;
}

function base(now: string, extra: { defaultCurrency?: string } = {}) {
  const account = createDemoAccount({ seed: 3, now, accountCreated: '2024-01-01', ...extra });
  const pro = account.product({ name: 'Pro' });
  const business = account.product({ name: 'Business' });
  return {
    account,
    pro,
    business,
    proMonthly: account.price({ product: pro, unitAmount: 5000, interval: 'month' }),
    proAnnual: account.price({ product: pro, unitAmount: 120_000, interval: 'year' }),
    businessMonthly: account.price({ product: business, unitAmount: 9900, interval: 'month' }),
  };
}

describe('billing cadence', () => {
  it('bills an annual price once a year, in advance, for the year ahead', () => {
    const { account, proAnnual } = base('2026-06-15T12:00:00Z');
    const alice = account.customer({ email: 'alice@example.com', createdAt: '2024-03-01' });
    const sub = account.subscribe(alice, { at: '2024-03-01', items: [{ price: proAnnual }] });
    account.advanceTo();
    const invoices = invoicesOf(account, sub.id);
    // 2024-03-01 (creation), 2025-03-01 and 2026-03-01 (renewals); the next is 2027-03-01, after now.
    expect(invoices.map((i) => [i['created'], i['billing_reason'], i['total'], i['status']])).toEqual([
      [u('2024-03-01'), 'subscription_create', 120_000, 'paid'],
      [u('2025-03-01'), 'subscription_cycle', 120_000, 'paid'],
      [u('2026-03-01'), 'subscription_cycle', 120_000, 'paid'],
    ]);
    expect(invoices[1]!['lines'].data[0].period).toEqual({ start: u('2025-03-01'), end: u('2026-03-01') });
    const live = get(account, 'subscriptions', sub.id)!;
    expect(live['items'].data[0].current_period_start).toBe(u('2026-03-01'));
    expect(live['items'].data[0].current_period_end).toBe(u('2027-03-01'));
    expect(live['status']).toBe('active');
    // Renewal invoices are drafts for an hour, then finalized and charged.
    expect(invoices[1]!['status_transitions']).toEqual({ finalized_at: u('2025-03-01') + HOUR, paid_at: u('2025-03-01') + HOUR + 1, marked_uncollectible_at: null, voided_at: null });
  });

  it('keeps the anchor day through short months (Jan 31 -> Feb 28 -> Mar 31)', () => {
    const { account, proMonthly } = base('2025-04-15');
    const bob = account.customer({ createdAt: '2025-01-31' });
    const sub = account.subscribe(bob, { at: '2025-01-31', items: [{ price: proMonthly }] });
    account.advanceTo();
    expect(invoicesOf(account, sub.id).map((i) => i['created'])).toEqual([u('2025-01-31'), u('2025-02-28'), u('2025-03-31')]);
  });
});

describe('trials', () => {
  it("charges a 14-day trial's first paid invoice at the trial end", () => {
    const { account, proMonthly } = base('2025-02-01T00:00:00Z');
    const alice = account.customer({ email: 'alice@example.com', name: 'Alice', createdAt: '2025-01-10', card: { expMonth: 7, expYear: 2026 } });
    const sub = account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly, quantity: 3 }], trialDays: 14 });
    account.advanceTo();
    const trialEnd = u('2025-01-24');
    const [trial, first] = invoicesOf(account, sub.id);
    expect(trial).toMatchObject({ billing_reason: 'subscription_create', total: 0, amount_due: 0, status: 'paid' });
    expect(trial!['lines'].data[0]).toMatchObject({ amount: 0, description: 'Trial period for Pro', period: { start: u('2025-01-10'), end: trialEnd } });
    // 3 seats x 50.00 for the first paid month, from the trial end.
    expect(first).toMatchObject({ created: trialEnd, billing_reason: 'subscription_cycle', total: 15_000, amount_paid: 15_000, status: 'paid' });
    expect(first!['lines'].data[0].period).toEqual({ start: trialEnd, end: u('2025-02-24') });
    const charges = chargesOf(account, alice.id);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ amount: 15_000, created: trialEnd + HOUR + 1, status: 'succeeded', description: 'Subscription update' });
    const live = get(account, 'subscriptions', sub.id)!;
    expect(live).toMatchObject({ status: 'active', trial_start: u('2025-01-10'), trial_end: trialEnd, billing_cycle_anchor: trialEnd });
    const types = objects(account, 'events').map((e) => e['type']);
    expect(types).toContain('customer.subscription.trial_will_end');
    const willEnd = objects(account, 'events').find((e) => e['type'] === 'customer.subscription.trial_will_end')!;
    expect(willEnd['created']).toBe(trialEnd - 3 * DAY);
  });

  it('ends a lapsing trial at its end with no paid invoice', () => {
    const { account, proMonthly } = base('2025-03-01');
    const lead = account.customer({ createdAt: '2025-01-10', card: null });
    const sub = account.subscribe(lead, { at: '2025-01-10', items: [{ price: proMonthly }], trialDays: 14 });
    account.advanceTo();
    const live = get(account, 'subscriptions', sub.id)!;
    expect(live).toMatchObject({ status: 'canceled', ended_at: u('2025-01-24'), canceled_at: u('2025-01-24'), trial_end: u('2025-01-24') });
    expect(invoicesOf(account, sub.id).map((i) => i['total'])).toEqual([0]);
    expect(chargesOf(account, lead.id)).toEqual([]);
  });
});

describe('changes with prorations', () => {
  it('credits and debits the exact fractions of a mid-period quantity change (always_invoice)', () => {
    const { account, proMonthly } = base('2025-03-01');
    const alice = account.customer({ createdAt: '2025-01-10' });
    const sub = account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly, quantity: 3 }] });
    account.changeItems(sub, { at: '2025-02-20', items: [{ price: proMonthly, quantity: 5 }], prorationBehavior: 'always_invoice' });
    account.advanceTo();
    // Period Feb 10 -> Mar 10 is 28 days; from Feb 20 18 days remain: fraction 18/28.
    // Credit: -(3 x 5000) x 18/28 = -9642.86 -> -9643. Debit: 5 x 5000 x 18/28 = 16071.43 -> 16071.
    const update = invoicesOf(account, sub.id).find((i) => i['billing_reason'] === 'subscription_update')!;
    expect(update['created']).toBe(u('2025-02-20'));
    expect(update['lines'].data.map((l: Obj) => l.amount)).toEqual([-9643, 16_071]);
    expect(update['total']).toBe(6428);
    for (const line of update['lines'].data) {
      expect(line.period).toEqual({ start: u('2025-02-20'), end: u('2025-03-10') });
      expect(line.parent.subscription_item_details.proration).toBe(true);
      expect(line.parent.subscription_item_details.invoice_item).toMatch(/^ii_/);
    }
    expect(update['lines'].data[0].description).toBe('Unused time on 3 × Pro after 20 Feb 2025');
    expect(update['lines'].data[1].description).toBe('Remaining time on 5 × Pro after 20 Feb 2025');
    // A quantity change keeps the subscription item.
    const items = new Set(update['lines'].data.map((l: Obj) => l.parent.subscription_item_details.subscription_item));
    const live = get(account, 'subscriptions', sub.id)!;
    expect([...items]).toEqual([live['items'].data[0].id]);
    expect(live['items'].data[0].quantity).toBe(5);
    const invoiceItems = objects(account, 'invoiceitems');
    expect(invoiceItems.map((ii) => [ii['amount'], ii['proration'], ii['invoice']]).sort()).toEqual([[-9643, true, update['id']], [16_071, true, update['id']]].sort());
  });

  it('puts create_prorations credits and debits on the next cycle invoice, with a new item for a new price', () => {
    const { account, proMonthly, businessMonthly } = base('2025-05-20');
    const alice = account.customer({ createdAt: '2025-03-10' });
    const sub = account.subscribe(alice, { at: '2025-03-10', items: [{ price: proMonthly }] });
    account.changeItems(sub, { at: '2025-04-25T12:00:00Z', items: [{ price: businessMonthly }], prorationBehavior: 'create_prorations' });
    account.advanceTo();
    // Period Apr 10 -> May 10 is 30 days; 14.5 days remain after Apr 25 12:00: fraction 14.5/30.
    // Credit -5000 x 14.5/30 = -2416.67 -> -2417; debit 9900 x 14.5/30 = 4785.
    const invoices = invoicesOf(account, sub.id);
    expect(invoices.map((i) => i['billing_reason'])).toEqual(['subscription_create', 'subscription_cycle', 'subscription_cycle']);
    const may = invoices[2]!;
    expect(may['created']).toBe(u('2025-05-10'));
    const amounts = may['lines'].data.map((l: Obj) => [l.amount, l.parent.subscription_item_details.proration]);
    expect(amounts).toEqual([[9900, false], [-2417, true], [4785, true]]);
    expect(may['total']).toBe(9900 - 2417 + 4785);
    const oldItem = invoices[1]!['lines'].data[0].parent.subscription_item_details.subscription_item;
    const credit = may['lines'].data[1].parent.subscription_item_details.subscription_item;
    const debit = may['lines'].data[2].parent.subscription_item_details.subscription_item;
    expect(credit).toBe(oldItem);
    expect(debit).not.toBe(oldItem);
    expect(get(account, 'subscriptions', sub.id)!['items'].data.map((i: Obj) => i.id)).toEqual([debit]);
    // Between the change and the invoice, the invoice items were pending.
    expect(objects(account, 'invoiceitems').every((ii) => ii['invoice'] === may['id'])).toBe(true);
  });

  it('resets the anchor and invoices the new year at once when switching monthly to annual', () => {
    const { account, proMonthly, proAnnual } = base('2025-12-01');
    const alice = account.customer({ createdAt: '2025-01-10' });
    const sub = account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly }] });
    account.changeItems(sub, { at: '2025-03-25', items: [{ price: proAnnual }], prorationBehavior: 'always_invoice' });
    account.advanceTo();
    // Unused March time: Mar 25 -> Apr 10 is 16 of the 31 days of Mar 10 -> Apr 10: -5000 x 16/31 = -2580.65 -> -2581.
    const invoices = invoicesOf(account, sub.id);
    const update = invoices.find((i) => i['billing_reason'] === 'subscription_update')!;
    expect(update['lines'].data.map((l: Obj) => l.amount)).toEqual([-2581, 120_000]);
    expect(update['lines'].data[1].period).toEqual({ start: u('2025-03-25'), end: u('2026-03-25') });
    expect(update['total']).toBe(117_419);
    // No more monthly invoices after the switch.
    expect(invoices.filter((i) => i['created'] > u('2025-03-25'))).toEqual([]);
    const live = get(account, 'subscriptions', sub.id)!;
    expect(live['billing_cycle_anchor']).toBe(u('2025-03-25'));
    expect(live['items'].data[0].current_period_end).toBe(u('2026-03-25'));
  });

  it('takes a downgrade at period end into the next invoice without proration', () => {
    const { account, proMonthly, businessMonthly } = base('2025-04-01');
    const alice = account.customer({ createdAt: '2025-01-10' });
    const sub = account.subscribe(alice, { at: '2025-01-10', items: [{ price: businessMonthly }] });
    account.changeItems(sub, { at: 'period_end', declaredAt: '2025-02-20', items: [{ price: proMonthly }] });
    account.advanceTo();
    const invoices = invoicesOf(account, sub.id);
    expect(invoices.map((i) => [i['created'], i['total']])).toEqual([
      [u('2025-01-10'), 9900],
      [u('2025-02-10'), 9900],
      [u('2025-03-10'), 5000],
    ]);
    expect(invoices[2]!['lines'].data).toHaveLength(1);
    expect(objects(account, 'invoiceitems')).toEqual([]);
  });

  it('turns a credit larger than the debit into customer balance used by the next invoice', () => {
    const { account, proMonthly, businessMonthly } = base('2025-04-01');
    const alice = account.customer({ createdAt: '2025-01-01' });
    const sub = account.subscribe(alice, { at: '2025-01-01', items: [{ price: businessMonthly }] });
    account.changeItems(sub, { at: '2025-02-15T00:00:00Z', items: [{ price: proMonthly }], prorationBehavior: 'always_invoice' });
    account.advanceTo();
    // Feb 1 -> Mar 1 is 28 days, 14 remain: credit -9900/2 = -4950, debit 5000/2 = 2500: total -2450.
    const invoices = invoicesOf(account, sub.id);
    const update = invoices.find((i) => i['billing_reason'] === 'subscription_update')!;
    expect(update).toMatchObject({ total: -2450, amount_due: 0, ending_balance: -2450, status: 'paid' });
    const march = invoices.find((i) => i['created'] === u('2025-03-01'))!;
    // 5000 less the 2450 credit.
    expect(march).toMatchObject({ total: 5000, starting_balance: -2450, amount_due: 2550 });
    expect(chargesOf(account, alice.id).map((c) => c['amount'])).toEqual([9900, 9900, 2550]);
  });
});

describe('coupons and tax', () => {
  it('applies a repeating 20% coupon for three months, then stops', () => {
    const { account, proMonthly } = base('2025-06-01');
    const coupon = account.coupon({ percentOff: 20, duration: 'repeating', durationInMonths: 3 });
    const alice = account.customer({ createdAt: '2025-01-10' });
    const sub = account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly }], coupon });
    account.advanceTo();
    const invoices = invoicesOf(account, sub.id);
    // Jan 10, Feb 10, Mar 10 start before the discount ends on Apr 10: 5000 - 1000.
    expect(invoices.map((i) => i['total'])).toEqual([4000, 4000, 4000, 5000, 5000]);
    expect(invoices[0]!['total_discount_amounts'][0].amount).toBe(1000);
    expect(invoices[0]!['lines'].data[0].discount_amounts[0].amount).toBe(1000);
    const discount = invoices[0]!['discounts'][0];
    expect(discount).toMatch(/^di_/);
    const live = get(account, 'subscriptions', sub.id, ['discounts'])!;
    expect(live['discounts']).toEqual([]);
    const couponObject = get(account, 'coupons', coupon.id)!;
    expect(couponObject).toMatchObject({ percent_off: 20, duration: 'repeating', duration_in_months: 3, times_redeemed: 1 });
  });

  it('applies once and amount_off coupons as Stripe does', () => {
    const { account, proMonthly } = base('2025-04-01');
    const once = account.coupon({ percentOff: 50, duration: 'once' });
    const tenOff = account.coupon({ amountOff: 1000, currency: 'usd', duration: 'forever' });
    const a = account.customer({ createdAt: '2025-01-10' });
    const b = account.customer({ createdAt: '2025-01-10' });
    const subA = account.subscribe(a, { at: '2025-01-10', items: [{ price: proMonthly }], coupon: once });
    const subB = account.subscribe(b, { at: '2025-01-10', items: [{ price: proMonthly, quantity: 2 }], coupon: tenOff });
    account.advanceTo();
    expect(invoicesOf(account, subA.id).map((i) => i['total'])).toEqual([2500, 5000, 5000]);
    // 2 x 5000 = 10000 less 1000 every month.
    expect(invoicesOf(account, subB.id).map((i) => i['total'])).toEqual([9000, 9000, 9000]);
    expect(get(account, 'subscriptions', subB.id)!['discounts']).toHaveLength(1);
  });

  it('adds VAT on top of the discounted amount, never into the price', () => {
    const { account, proMonthly } = base('2025-02-01');
    const de = account.taxRate({ country: 'DE', percentage: 19 });
    const coupon = account.coupon({ percentOff: 10, duration: 'forever' });
    const hans = account.customer({ createdAt: '2025-01-10', country: 'DE', taxRate: de });
    const sub = account.subscribe(hans, { at: '2025-01-10', items: [{ price: proMonthly }], coupon });
    account.advanceTo();
    const [invoice] = invoicesOf(account, sub.id);
    // 5000 - 10% = 4500; VAT 19% of 4500 = 855; total 5355.
    expect(invoice).toMatchObject({ subtotal: 5000, total_excluding_tax: 4500, total: 5355, amount_paid: 5355 });
    expect(invoice!['total_taxes']).toEqual([{ amount: 855, tax_behavior: 'exclusive', tax_rate_details: { tax_rate: de.id }, taxability_reason: 'standard_rated', taxable_amount: 4500, type: 'tax_rate_details' }]);
    expect(invoice!['lines'].data[0].taxes[0].amount).toBe(855);
  });
});

describe('metered and tiered prices', () => {
  it('bills metered usage in arrears and tiers by volume or graduated', () => {
    const { account, pro } = base('2025-03-15');
    const api = account.product({ name: 'API calls' });
    const metered = account.price({ product: api, interval: 'month', usageType: 'metered', tiers: { mode: 'graduated', tiers: [{ upTo: 1000, unitAmount: 0 }, { upTo: null, unitAmount: 2 }] } });
    const volume = account.price({ product: pro, interval: 'month', tiers: { mode: 'volume', tiers: [{ upTo: 10, unitAmount: 1500 }, { upTo: null, unitAmount: 1200, flatAmount: 5000 }] } });
    const alice = account.customer({ createdAt: '2025-01-10' });
    const sub = account.subscribe(alice, { at: '2025-01-10', items: [{ price: volume, quantity: 12 }, { price: metered }] });
    account.advanceTo();
    const invoices = invoicesOf(account, sub.id);
    // 12 seats fall in the second volume tier: 12 x 1200 + 5000 = 19400. Metered: nothing on the first invoice.
    expect(invoices[0]!['lines'].data.map((l: Obj) => [l.amount, l.quantity])).toEqual([[19_400, 12], [0, 0]]);
    const feb = invoices[1]!['lines'].data;
    const usage = feb[1];
    // The usage line covers the period before the invoice: Jan 10 -> Feb 10; graduated: (q - 1000) x 2.
    expect(usage.period).toEqual({ start: u('2025-01-10'), end: u('2025-02-10') });
    expect(usage.amount).toBe(Math.max(0, usage.quantity - 1000) * 2);
    expect(feb[0].period).toEqual({ start: u('2025-02-10'), end: u('2025-03-10') });
    const item = get(account, 'subscriptions', sub.id)!['items'].data[1];
    expect('quantity' in item).toBe(false);
  });
});

describe('cancellations', () => {
  it('cancels at period end: flags now, ends at the period end', () => {
    const { account, proMonthly } = base('2025-05-01');
    const alice = account.customer({ createdAt: '2025-01-10' });
    const sub = account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly }] });
    account.cancel(sub, { at: '2025-03-15', atPeriodEnd: true, reason: 'cancellation_requested', feedback: 'too_expensive' });
    account.advanceTo('2025-04-01');
    expect(get(account, 'subscriptions', sub.id)).toMatchObject({
      status: 'active',
      cancel_at_period_end: true,
      cancel_at: u('2025-04-10'),
      canceled_at: u('2025-03-15'),
      ended_at: null,
      cancellation_details: { reason: 'cancellation_requested', feedback: 'too_expensive', comment: null },
    });
    const updated = objects(account, 'events').find((e) => e['type'] === 'customer.subscription.updated' && e['created'] === u('2025-03-15'))!;
    expect(updated['data'].previous_attributes).toMatchObject({ cancel_at_period_end: false, cancel_at: null, canceled_at: null });
    account.advanceTo();
    expect(get(account, 'subscriptions', sub.id)).toMatchObject({ status: 'canceled', ended_at: u('2025-04-10'), canceled_at: u('2025-03-15') });
    expect(invoicesOf(account, sub.id).map((i) => i['created'])).toEqual([u('2025-01-10'), u('2025-02-10'), u('2025-03-10')]);
    const deleted = objects(account, 'events').filter((e) => e['type'] === 'customer.subscription.deleted');
    expect(deleted.map((e) => e['created'])).toEqual([u('2025-04-10')]);
  });

  it('cancels immediately: ended and canceled now, no further invoices', () => {
    const { account, proMonthly } = base('2025-05-01');
    const alice = account.customer({ createdAt: '2025-01-10' });
    const sub = account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly }] });
    account.cancel(sub, { at: '2025-02-20T08:00:00Z', feedback: 'switched_service' });
    account.advanceTo();
    expect(get(account, 'subscriptions', sub.id)).toMatchObject({ status: 'canceled', canceled_at: u('2025-02-20T08:00:00Z'), ended_at: u('2025-02-20T08:00:00Z'), cancel_at_period_end: false });
    expect(invoicesOf(account, sub.id)).toHaveLength(2);
  });

  it('lets a churned customer come back with a new subscription', () => {
    const { account, proMonthly } = base('2025-09-01');
    const alice = account.customer({ createdAt: '2025-01-10' });
    const first = account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly }] });
    account.cancel(first, { at: '2025-03-01' });
    const second = account.subscribe(alice, { at: '2025-06-05', items: [{ price: proMonthly }] });
    account.advanceTo();
    expect(get(account, 'subscriptions', second.id)).toMatchObject({ status: 'active', start_date: u('2025-06-05') });
    const months = objects(account, 'invoices').map((i) => i['created']).sort();
    expect(months).toEqual([u('2025-01-10'), u('2025-02-10'), u('2025-06-05'), u('2025-07-05'), u('2025-08-05')]);
  });

  it('deletes a customer: subscriptions canceled, history kept, retrieve says deleted', () => {
    const { account, proMonthly } = base('2025-06-01');
    const alice = account.customer({ email: 'alice@example.com', createdAt: '2025-01-10' });
    const sub = account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly }] });
    account.deleteCustomer(alice, { at: '2025-03-20' });
    account.advanceTo();
    expect(get(account, 'customers', alice.id)).toEqual({ id: alice.id, object: 'customer', deleted: true });
    expect(account.ids('customers')).toEqual([]);
    expect(get(account, 'subscriptions', sub.id)).toMatchObject({ status: 'canceled', ended_at: u('2025-03-20') });
    expect(invoicesOf(account, sub.id)).toHaveLength(3);
  });
});

describe('failed payments and dunning', () => {
  it('retries after 3, 5 and 7 more days, then cancels for non-payment and marks the invoice uncollectible', () => {
    const { account, proMonthly } = base('2025-05-01');
    const alice = account.customer({ createdAt: '2025-01-10' });
    const sub = account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly }] });
    account.failPayments(alice, { from: '2025-03-01', until: '2025-04-30' });
    account.advanceTo('2025-03-12');
    const firstAttempt = u('2025-03-10') + HOUR + 1;
    let march = invoicesOf(account, sub.id)[2]!;
    expect(march).toMatchObject({ status: 'open', attempted: true, attempt_count: 1, next_payment_attempt: firstAttempt + 3 * DAY, amount_paid: 0, amount_remaining: 5000 });
    expect(get(account, 'subscriptions', sub.id)!['status']).toBe('past_due');
    expect(get(account, 'customers', alice.id)!['delinquent']).toBe(true);
    account.advanceTo();
    march = invoicesOf(account, sub.id)[2]!;
    const last = firstAttempt + 15 * DAY;
    expect(march).toMatchObject({ status: 'uncollectible', attempt_count: 4, next_payment_attempt: null });
    expect(march['status_transitions'].marked_uncollectible_at).toBe(last + 1);
    const failed = chargesOf(account, alice.id).filter((c) => c['status'] === 'failed');
    expect(failed.map((c) => c['created'])).toEqual([firstAttempt, firstAttempt + 3 * DAY, firstAttempt + 8 * DAY, last]);
    for (const charge of failed) expect(charge).toMatchObject({ failure_code: 'card_declined', balance_transaction: null, paid: false });
    expect(get(account, 'subscriptions', sub.id)).toMatchObject({ status: 'canceled', ended_at: last, cancellation_details: { reason: 'payment_failed' } });
    expect(invoicesOf(account, sub.id)).toHaveLength(3);
  });

  it('recovers when a retry succeeds', () => {
    const { account, proMonthly } = base('2025-04-01');
    const alice = account.customer({ createdAt: '2025-01-10' });
    const sub = account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly }] });
    account.failPayments(alice, { from: '2025-03-01', until: '2025-03-12' });
    account.advanceTo();
    const march = invoicesOf(account, sub.id)[2]!;
    const firstAttempt = u('2025-03-10') + HOUR + 1;
    expect(march).toMatchObject({ status: 'paid', attempt_count: 2 });
    expect(march['status_transitions'].paid_at).toBe(firstAttempt + 3 * DAY);
    expect(get(account, 'subscriptions', sub.id)!['status']).toBe('active');
    expect(get(account, 'customers', alice.id)!['delinquent']).toBe(false);
  });

  it('can leave the subscription unpaid and the invoice open instead', () => {
    const { account, proMonthly } = base('2025-05-01');
    const alice = account.customer({ createdAt: '2025-01-10' });
    const sub = account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly }], dunning: { exhausted: 'unpaid', invoice: 'open' } });
    account.failPayments(alice, { from: '2025-03-01', until: '2025-06-30' });
    account.advanceTo();
    const invoices = invoicesOf(account, sub.id);
    expect(get(account, 'subscriptions', sub.id)!['status']).toBe('unpaid');
    expect(invoices[2]).toMatchObject({ status: 'open', attempt_count: 4, next_payment_attempt: null, auto_advance: false });
    // While unpaid, renewals are invoiced but not attempted.
    expect(invoices[3]).toMatchObject({ created: u('2025-04-10'), status: 'open', attempted: false, attempt_count: 0 });
  });

  it('expires an incomplete subscription whose first payment fails and voids its invoice', () => {
    const { account, proMonthly } = base('2025-02-01');
    const alice = account.customer({ createdAt: '2025-01-10' });
    const sub = account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly }], paymentBehavior: 'fails' });
    account.advanceTo();
    expect(get(account, 'subscriptions', sub.id)).toMatchObject({ status: 'incomplete_expired', ended_at: u('2025-01-10') + 23 * HOUR });
    expect(invoicesOf(account, sub.id)[0]).toMatchObject({ status: 'void', attempt_count: 1 });
    expect(objects(account, 'events').filter((e) => e['type'] === 'invoice.voided').map((e) => e['data'].object.id)).toEqual([invoicesOf(account, sub.id)[0]!['id']]);
  });

  it('fails renewals on an expired card until the card is updated', () => {
    const { account, proMonthly } = base('2025-05-01');
    const alice = account.customer({ createdAt: '2025-01-10', card: { expMonth: 2, expYear: 2025 } });
    const sub = account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly }] });
    account.updateCard(alice, { at: '2025-03-12', expMonth: 8, expYear: 2029, replace: false });
    account.advanceTo();
    const march = invoicesOf(account, sub.id)[2]!;
    const charges = chargesOf(account, alice.id);
    expect(charges.map((c) => [c['status'], c['failure_code']])).toEqual([['succeeded', null], ['succeeded', null], ['failed', 'expired_card'], ['succeeded', null], ['succeeded', null]]);
    expect(march['status']).toBe('paid');
    // The card updater kept the payment method and changed its expiry.
    const pm = get(account, 'customers', alice.id, ['invoice_settings.default_payment_method'])['invoice_settings'].default_payment_method;
    expect(pm.card).toMatchObject({ exp_month: 8, exp_year: 2029 });
    expect(charges[3]!['payment_method']).toBe(pm.id);
  });
});

describe('money', () => {
  it('settles a zero-decimal JPY charge into USD at the drifting monthly rate', () => {
    const { account, pro } = base('2025-03-01');
    const jpy = account.price({ product: pro, currency: 'jpy', unitAmount: 7200, interval: 'month' });
    const taro = account.customer({ createdAt: '2025-01-10', country: 'JP' });
    account.subscribe(taro, { at: '2025-01-10', items: [{ price: jpy }] });
    account.advanceTo();
    const [jan, feb] = chargesOf(account, taro.id);
    // 7200 JPY is amount 7200 (whole yen), not 720000.
    expect(jan).toMatchObject({ amount: 7200, currency: 'jpy' });
    const txn = txnOf(account, jan!['balance_transaction']);
    expect(txn['currency']).toBe('usd');
    expect(txn['exchange_rate']).toBeGreaterThan(0.004);
    expect(txn['exchange_rate']).toBeLessThan(0.01);
    // 7200 JPY (major) x rate = USD major; in cents: round(7200 x rate x 100).
    expect(txn['amount']).toBe(Math.round(7200 * txn['exchange_rate'] * 100));
    // Fee: 2.9% + 30 cents of the settled amount.
    expect(txn['fee']).toBe(Math.round(txn['amount'] * 0.029) + 30);
    expect(txn['net']).toBe(txn['amount'] - txn['fee']);
    expect(txn['reporting_category']).toBe('charge');
    // Rates drift month to month.
    expect(txnOf(account, feb!['balance_transaction'])['exchange_rate']).not.toBe(txn['exchange_rate']);
  });

  it('settles a USD charge with no conversion and the standard fee', () => {
    const { account, proMonthly } = base('2025-02-01');
    const alice = account.customer({ createdAt: '2025-01-10' });
    account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly }] });
    account.advanceTo();
    const txn = txnOf(account, chargesOf(account, alice.id)[0]!['balance_transaction']);
    // 2.9% of 5000 = 145, + 30 = 175.
    expect(txn).toMatchObject({ amount: 5000, fee: 175, net: 4825, exchange_rate: null, currency: 'usd', type: 'charge' });
    expect(txn['fee_details']).toEqual([{ amount: 175, application: null, currency: 'usd', description: 'Stripe processing fees', type: 'stripe_fee' }]);
  });

  it('records partial and full refunds with negative balance transactions and a credit note', () => {
    const { account, proMonthly } = base('2025-04-01');
    const alice = account.customer({ createdAt: '2025-01-10' });
    account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly }] });
    account.refund({ customer: alice, nth: 1 }, { at: '2025-01-20', amount: 1000 });
    account.refund({ customer: alice, nth: 2 }, { at: '2025-02-15', creditNote: true });
    account.advanceTo();
    const [jan, feb] = chargesOf(account, alice.id);
    expect(jan).toMatchObject({ amount_refunded: 1000, refunded: false });
    expect(feb).toMatchObject({ amount_refunded: 5000, refunded: true });
    const refunds = objects(account, 'refunds').sort((a, b) => a['created'] - b['created']);
    expect(refunds.map((r) => [r['amount'], r['charge'], r['status']])).toEqual([[1000, jan!['id'], 'succeeded'], [5000, feb!['id'], 'succeeded']]);
    expect(txnOf(account, refunds[0]!['balance_transaction'])).toMatchObject({ amount: -1000, fee: 0, net: -1000, reporting_category: 'refund', type: 'refund' });
    const notes = objects(account, 'credit_notes');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ amount: 5000, type: 'post_payment', refunds: [{ amount_refunded: 5000, refund: refunds[1]!['id'] }] });
    expect(get(account, 'invoices', notes[0]!['invoice'])!['post_payment_credit_notes_amount']).toBe(5000);
  });

  it('charges a dispute with the 15.00 fee and reverses both when won', () => {
    const { account, proMonthly } = base('2025-03-20');
    const a = account.customer({ createdAt: '2025-01-10' });
    const b = account.customer({ createdAt: '2025-01-10' });
    account.subscribe(a, { at: '2025-01-10', items: [{ price: proMonthly }] });
    account.subscribe(b, { at: '2025-01-10', items: [{ price: proMonthly }] });
    account.dispute({ customer: a }, { at: '2025-02-01', outcome: 'lost', closeAfterDays: 30 });
    account.dispute({ customer: b }, { at: '2025-02-01', outcome: 'won', closeAfterDays: 40 });
    account.advanceTo();
    const disputes = objects(account, 'disputes');
    const lost = disputes.find((d) => d['status'] === 'lost')!;
    const won = disputes.find((d) => d['status'] === 'won')!;
    expect(lost['balance_transactions'].map((t: Obj) => [t.amount, t.fee, t.net, t.reporting_category])).toEqual([[-5000, 1500, -6500, 'dispute']]);
    expect(won['balance_transactions'].map((t: Obj) => [t.amount, t.fee, t.net, t.reporting_category, t.created])).toEqual([
      [-5000, 1500, -6500, 'dispute', u('2025-02-01')],
      [5000, -1500, 6500, 'dispute_reversal', u('2025-02-01') + 40 * DAY],
    ]);
    expect(get(account, 'charges', lost['charge'])!['disputed']).toBe(true);
    const closed = objects(account, 'events').filter((e) => e['type'] === 'charge.dispute.closed');
    expect(closed.map((e) => e['data'].object.status).sort()).toEqual(['lost', 'won']);
  });
});

describe('live changes', () => {
  it('applies changes after the clock has run and appends their events', () => {
    const { account, proMonthly, businessMonthly } = base('2025-06-15T12:00:00Z');
    const alice = account.customer({ createdAt: '2025-01-10', email: 'alice@example.com' });
    const sub = account.subscribe(alice, { at: '2025-01-10', items: [{ price: proMonthly }] });
    account.advanceTo();
    const before = new Set(account.ids('events'));
    const later = '2025-06-16T09:30:00Z';
    account.advanceTo(later);
    const bob = account.customer({ email: 'bob@example.com', createdAt: later });
    const bobSub = account.subscribe(bob, { at: later, items: [{ price: proMonthly, quantity: 2 }] });
    account.changeItems(sub, { at: later, items: [{ price: businessMonthly }], prorationBehavior: 'always_invoice' });
    account.updateCard(alice, { at: later, expMonth: 1, expYear: 2030 });
    account.updateCustomer(alice, { at: later, name: 'Alice Liddell' });
    account.advanceTo(later);
    const fresh = objects(account, 'events').filter((e) => !before.has(e['id']));
    const types = fresh.map((e) => e['type']).sort();
    expect(types).toEqual(expect.arrayContaining(['customer.created', 'payment_method.attached', 'customer.subscription.created', 'invoice.created', 'customer.subscription.updated', 'invoiceitem.created', 'customer.updated']));
    // Everything new happened at the live moment (payments follow a second or two later, after the clock passes them).
    for (const e of fresh) expect(e['created']).toBe(u(later));
    const nameChange = fresh.find((e) => e['type'] === 'customer.updated' && e['data'].previous_attributes.name !== undefined)!;
    expect(nameChange['data'].previous_attributes).toEqual({ name: null });
    expect(get(account, 'customers', bob.id)).toMatchObject({ email: 'bob@example.com' });
    // Newest first: the new events lead the list.
    expect(account.ids('events').slice(0, fresh.length).sort()).toEqual(fresh.map((e) => e['id']).sort());
    // Payment of the new invoices happens when the clock passes it.
    account.advanceTo('2025-06-16T09:30:10Z');
    expect(invoicesOf(account, bobSub.id)[0]!['status']).toBe('paid');
    expect(() => account.cancel(sub, { at: '2025-06-01' })).toThrow(/before the account clock/);
  });
});
