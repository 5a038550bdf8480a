import { beforeAll, describe, expect, it } from 'vitest';
import type { DemoAccount } from '../../demo/account/account.js';
import { generateDemoAccount } from '../../demo/generate/generateDemoAccount.js';

/**
 * A generated account of 2,000 customers has every feature the brief lists,
 * each counted from what the API would answer (the rendered objects), not from
 * the generator's intentions.
 */
type Obj = Record<string, any>;

const NOW = '2026-06-15T12:00:00Z';
const NOW_UNIX = Date.parse(NOW) / 1000;
let account: DemoAccount;
let customers: Obj[];
let deletedCustomers: number;
let subscriptions: Obj[];
let invoices: Obj[];
let lines: Obj[];
let charges: Obj[];
let txns: Obj[];
let prices: Obj[];
const counts: Record<string, number> = {};

beforeAll(() => {
  account = generateDemoAccount({ customers: 2000, seed: 42, now: NOW });
  customers = account.objects('customers', ['invoice_settings.default_payment_method']) as Obj[];
  deletedCustomers = account.store.customers.filter((c) => c.deletedAt > 0).length;
  subscriptions = account.objects('subscriptions', ['discounts']) as Obj[];
  invoices = account.objects('invoices') as Obj[];
  lines = invoices.flatMap((inv) => inv['lines'].data);
  charges = account.objects('charges') as Obj[];
  txns = account.objects('balance_transactions', ['source']) as Obj[];
  prices = account.objects('prices', ['tiers']) as Obj[];
});

function count(name: string, value: number, atLeast = 1): void {
  counts[name] = value;
  expect(value, name).toBeGreaterThanOrEqual(atLeast);
}

describe('a 2,000-customer account has every SaaS situation', () => {
  it('catalog: plans, seats, add-on, metered and tiered prices in four currencies and four cadences', () => {
    count('products', account.objects('products').length, 5);
    for (const currency of ['usd', 'eur', 'gbp', 'jpy']) count(`prices in ${currency}`, prices.filter((p) => p['currency'] === currency).length);
    count('monthly prices', prices.filter((p) => p['recurring']?.interval === 'month' && p['recurring'].interval_count === 1).length);
    count('quarterly prices', prices.filter((p) => p['recurring']?.interval === 'month' && p['recurring'].interval_count === 3).length);
    count('annual prices', prices.filter((p) => p['recurring']?.interval === 'year').length);
    count('weekly prices', prices.filter((p) => p['recurring']?.interval === 'week').length);
    count('metered prices', prices.filter((p) => p['recurring']?.usage_type === 'metered').length);
    count('tiered prices', prices.filter((p) => p['billing_scheme'] === 'tiered' && p['tiers']?.length > 1).length);
  });

  it('subscriptions: seats, add-ons, every cadence in use, trials converted and lapsed', () => {
    const items = subscriptions.flatMap((s) => s['items'].data);
    count('seat quantities > 1', items.filter((i) => i.quantity > 1).length, 20);
    count('subscriptions with add-on items', subscriptions.filter((s) => s['items'].data.length > 1).length, 20);
    count('subscriptions billed weekly', items.filter((i) => i.price.recurring.interval === 'week').length);
    count('subscriptions billed quarterly', items.filter((i) => i.price.recurring.interval_count === 3).length);
    count('subscriptions billed yearly', items.filter((i) => i.price.recurring.interval === 'year').length);
    count('metered items', items.filter((i) => i.price.recurring.usage_type === 'metered').length);
    const trials = subscriptions.filter((s) => s['trial_end']);
    count('trials now running', trials.filter((s) => s['status'] === 'trialing').length);
    count('trials converted', trials.filter((s) => s['trial_end'] < NOW_UNIX && invoices.some((inv) => inv['parent']?.subscription_details.subscription === s['id'] && inv['created'] === s['trial_end'] && inv['amount_paid'] > 0)).length, 20);
    count('trials lapsed', trials.filter((s) => s['status'] === 'canceled' && s['ended_at'] === s['trial_end']).length, 20);
  });

  it('coupons of every duration and kind are redeemed', () => {
    const coupons = account.objects('coupons') as Obj[];
    for (const duration of ['forever', 'repeating', 'once']) count(`redeemed ${duration} coupons`, coupons.filter((c) => c['duration'] === duration && c['times_redeemed'] > 0).length);
    count('redeemed percent coupons', coupons.filter((c) => c['percent_off'] !== null && c['times_redeemed'] > 0).length);
    count('redeemed amount coupons', coupons.filter((c) => c['amount_off'] !== null && c['times_redeemed'] > 0).length);
    count('discounted invoices', invoices.filter((inv) => inv['total_discount_amounts'].length > 0).length, 50);
    count('subscriptions holding a discount', subscriptions.filter((s) => s['discounts'].length > 0).length);
  });

  it('changes: prorated upgrades, downgrades at renewal, seat changes', () => {
    const prorations = lines.filter((l) => l.parent.subscription_item_details.proration);
    count('proration credit lines', prorations.filter((l) => l.amount < 0).length, 10);
    count('proration debit lines', prorations.filter((l) => l.amount > 0).length, 10);
    count('immediate proration invoices', invoices.filter((inv) => inv['billing_reason'] === 'subscription_update').length, 5);
    count('invoice items', account.objects('invoiceitems').length, 10);
    // A downgrade at renewal: consecutive cycle invoices of a subscription bill different prices with no proration in between.
    const bySub = new Map<string, Obj[]>();
    for (const inv of invoices) {
      const sub = inv['parent']?.subscription_details.subscription;
      if (sub) bySub.set(sub, [...(bySub.get(sub) ?? []), inv]);
    }
    let downgrades = 0;
    for (const list of bySub.values()) {
      list.sort((a, b) => a['created'] - b['created']);
      for (let i = 1; i < list.length; i++) {
        const [prev, next] = [list[i - 1]!, list[i]!];
        if (next['billing_reason'] !== 'subscription_cycle' || prev['billing_reason'] === 'subscription_update') continue;
        const price = (inv: Obj) => inv['lines'].data[0]?.pricing.price_details.price;
        const hasProration = next['lines'].data.some((l: Obj) => l.parent.subscription_item_details.proration);
        if (prev['total'] > next['lines'].data[0]?.amount && price(prev) !== price(next) && !hasProration && prev['lines'].data[0]?.amount > 0) downgrades++;
      }
    }
    count('downgrades at renewal', downgrades);
  });

  it('churn: cancellations at period end and immediate, reactivations, deletions', () => {
    const all = account.objects('subscriptions') as Obj[];
    count('scheduled to cancel at period end', all.filter((s) => s['status'] !== 'canceled' && s['cancel_at_period_end']).length);
    count('ended at period end', all.filter((s) => s['status'] === 'canceled' && s['cancel_at_period_end'] && s['ended_at'] === s['cancel_at']).length, 20);
    count('canceled immediately', all.filter((s) => s['status'] === 'canceled' && !s['cancel_at_period_end'] && s['canceled_at'] === s['ended_at'] && s['cancellation_details'].reason === 'cancellation_requested' && s['ended_at'] !== s['trial_end']).length, 20);
    count('canceled with feedback', all.filter((s) => s['cancellation_details'].feedback).length, 20);
    const byCustomer = new Map<string, Obj[]>();
    for (const s of all) byCustomer.set(s['customer'], [...(byCustomer.get(s['customer']) ?? []), s]);
    const reactivated = [...byCustomer.values()].filter((subs) => subs.some((a) => a['ended_at'] && subs.some((b) => b['start_date'] > a['ended_at'])));
    count('reactivated customers', reactivated.length, 10);
    count('deleted customers', deletedCustomers, 5);
  });

  it('failed payments and dunning: past_due, unpaid, canceled for non-payment', () => {
    const all = account.objects('subscriptions') as Obj[];
    count('failed charges', charges.filter((c) => c['status'] === 'failed').length, 20);
    count('card_declined failures', charges.filter((c) => c['failure_code'] === 'card_declined').length);
    count('expired_card failures', charges.filter((c) => c['failure_code'] === 'expired_card').length);
    count('past_due subscriptions', all.filter((s) => s['status'] === 'past_due').length);
    count('unpaid subscriptions', all.filter((s) => s['status'] === 'unpaid').length);
    count('canceled for non-payment', all.filter((s) => s['cancellation_details'].reason === 'payment_failed').length);
    count('uncollectible invoices', invoices.filter((inv) => inv['status'] === 'uncollectible').length);
    count('open invoices with a failed attempt', invoices.filter((inv) => inv['status'] === 'open' && inv['attempt_count'] > 0).length);
    count('incomplete_expired subscriptions', all.filter((s) => s['status'] === 'incomplete_expired').length);
    count('void invoices', invoices.filter((inv) => inv['status'] === 'void').length);
    count('delinquent customers', customers.filter((c) => c['delinquent']).length);
  });

  it('money: refunds, disputes, credit notes, payouts, fees, three currencies with exchange rates and a zero-decimal one', () => {
    count('refunds', account.objects('refunds').length, 10);
    count('partial refunds', (account.objects('refunds') as Obj[]).filter((r) => charges.find((c) => c['id'] === r['charge'])!['amount'] > r['amount']).length);
    count('disputes', account.objects('disputes').length, 3);
    count('credit notes', account.objects('credit_notes').length);
    count('payouts', account.objects('payouts').length, 50);
    for (const category of ['charge', 'refund', 'dispute', 'payout']) count(`${category} balance transactions`, txns.filter((t) => t['reporting_category'] === category).length);
    for (const currency of ['eur', 'gbp', 'jpy']) {
      const converted = txns.filter((t) => t['exchange_rate'] !== null && t['source']?.currency === currency);
      count(`${currency} charges settled with an exchange rate`, converted.length, 10);
    }
    count('jpy charges in whole yen', charges.filter((c) => c['currency'] === 'jpy' && c['amount'] < 100_000).length, 10);
    count('taxed invoices', invoices.filter((inv) => inv['total_taxes'].length > 0).length, 50);
  });

  it('customers: shared emails in different case, no email, cards expiring soon, metadata', () => {
    const emails = customers.map((c) => c['email']).filter((e): e is string => e !== null);
    const groups = new Map<string, Set<string>>();
    for (const email of emails) groups.set(email.trim().toLowerCase(), (groups.get(email.trim().toLowerCase()) ?? new Set()).add(email));
    count('emails shared in different case or spacing', [...groups.values()].filter((variants) => variants.size > 1).length, 5);
    count('customers with no email', customers.filter((c) => c['email'] === null).length, 10);
    const soon = customers.filter((c) => {
      const card = c['invoice_settings'].default_payment_method?.card;
      if (!card) return false;
      const expires = Date.UTC(card.exp_year, card.exp_month, 1) / 1000;
      return expires > NOW_UNIX && expires < NOW_UNIX + 62 * 86_400;
    });
    count('cards expiring within two months', soon.length, 10);
    count('customers without a card', customers.filter((c) => c['invoice_settings'].default_payment_method === null).length, 10);
    count('customers with metadata', customers.filter((c) => Object.keys(c['metadata']).length > 0).length, 10);
  });

  it('events of the last 30 days cover the lifecycle', () => {
    const types = new Set((account.objects('events') as Obj[]).map((e) => e['type']));
    for (const type of [
      'customer.created', 'customer.updated', 'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted',
      'customer.subscription.trial_will_end', 'invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded', 'invoice.payment_failed',
      'invoiceitem.created', 'charge.succeeded', 'charge.failed', 'payment_method.attached', 'product.created', 'price.created', 'coupon.created', 'payout.created', 'payout.paid',
    ]) {
      count(`event ${type}`, types.has(type) ? 1 : 0);
    }
  });

  it('reports its counts', () => {
    // The figures above, for the record when a test fails or the generator changes.
    expect(Object.keys(counts).length).toBeGreaterThan(40);
  });
});
