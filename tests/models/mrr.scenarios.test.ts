/**
 * MRR scenarios: small Stripe accounts declared here, served by the demo
 * server, loaded by the real extractor and built by the real runner. Every
 * expected number is worked out by hand from metrics.md in the comment beside
 * it; none is read back from the output it checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scenario } from '../support/scenario.js';

const NOW = '2026-06-15T12:00:00Z';

describe('normalization to a month, and seat quantities', () => {
  let scenario: Scenario;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    scenario = await Scenario.run(
      (account) => {
        const pro = account.product({ name: 'Pro' });
        const annual = account.price({ product: pro, unitAmount: 120_000, interval: 'year' });
        const quarterly = account.price({ product: pro, unitAmount: 30_000, interval: 'month', intervalCount: 3 });
        const weekly = account.price({ product: pro, unitAmount: 3_000, interval: 'week' });
        const daily = account.price({ product: pro, unitAmount: 100, interval: 'day' });
        const seat = account.price({ product: pro, unitAmount: 2_000, interval: 'month' });
        const plans = { annual, quarterly, weekly, daily, seat } as const;
        for (const [name, price] of Object.entries(plans)) {
          const customer = account.customer({ email: `${name}@example.com`, createdAt: '2026-01-10T09:00:00Z' });
          ids[name] = customer.id;
          account.subscribe(customer, { at: '2026-01-10T09:00:00Z', items: [{ price, quantity: name === 'seat' ? 5 : 1 }] });
        }
      },
      { now: NOW },
    );
  });
  afterAll(() => scenario?.close());

  it('divides an annual price by 12', async () => {
    // 1,200.00 a year -> 100.00 a month, every month from January.
    expect(await scenario.customerMrrByMonth(ids['annual']!)).toEqual({ '2026-01': 100, '2026-02': 100, '2026-03': 100, '2026-04': 100, '2026-05': 100, '2026-06': 100 });
  });

  it('divides a quarterly price by its interval count', async () => {
    // 300.00 every 3 months -> 100.00 a month.
    expect((await scenario.customerMrrByMonth(ids['quarterly']!))['2026-06']).toBe(100);
  });

  it('turns weekly and daily prices into months with 52 weeks and 365 days a year', async () => {
    // 30.00 a week x 52 / 12 = 130.00; 1.00 a day x 365 / 12 = 30.4166... -> 30.42.
    expect((await scenario.customerMrrByMonth(ids['weekly']!))['2026-06']).toBe(130);
    expect((await scenario.customerMrrByMonth(ids['daily']!))['2026-06']).toBe(30.42);
  });

  it('multiplies by the seat quantity', async () => {
    // 20.00 x 5 seats = 100.00.
    expect((await scenario.customerMrrByMonth(ids['seat']!))['2026-06']).toBe(100);
  });

  it('adds them up per month and calls each a new customer in January', async () => {
    // 100 + 100 + 130 + 30.42 + 100 = 460.42 in every month; five new movements in January.
    const mrr = await scenario.mrrByMonth();
    expect(mrr['2026-01']).toBe(460.42);
    expect(mrr['2026-06']).toBe(460.42);
    const movements = await scenario.movements();
    expect(movements.filter((line) => line.startsWith('2026-01 new'))).toHaveLength(5);
    expect(movements.filter((line) => !line.startsWith('2026-01'))).toEqual([]);
    const arr = await scenario.query<{ arr: number }>(`select arr::double as arr from marts.mrr_monthly where month = '2026-06-01'`);
    expect(arr[0]!.arr).toBe(5525.04);
  });
});

describe('discounts under mrr.discounts = forever, all and none', () => {
  let scenario: Scenario;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    scenario = await Scenario.run(
      (account) => {
        const product = account.product({ name: 'Team' });
        const monthly = account.price({ product, unitAmount: 10_000, interval: 'month' });
        const annual = account.price({ product, unitAmount: 120_000, interval: 'year' });
        const coupons = {
          foreverPercent: [account.coupon({ percentOff: 20, duration: 'forever' }), monthly],
          repeatingPercent: [account.coupon({ percentOff: 50, duration: 'repeating', durationInMonths: 3 }), monthly],
          foreverAmount: [account.coupon({ amountOff: 1_500, currency: 'usd', duration: 'forever' }), monthly],
          foreverAmountAnnual: [account.coupon({ amountOff: 12_000, currency: 'usd', duration: 'forever' }), annual],
          oncePercent: [account.coupon({ percentOff: 50, duration: 'once' }), monthly],
        } as const;
        for (const [name, [coupon, price]] of Object.entries(coupons)) {
          const customer = account.customer({ email: `${name}@example.com`, createdAt: '2026-01-05T10:00:00Z' });
          ids[name] = customer.id;
          account.subscribe(customer, { at: '2026-01-05T10:00:00Z', items: [{ price }], coupon });
        }
      },
      { now: NOW },
    );
  });
  afterAll(() => scenario?.close());

  const juneOf = async (name: string) => (await scenario.customerMrrByMonth(ids[name]!))['2026-06'];

  it('forever (the default): only forever coupons reduce MRR', async () => {
    await scenario.build({ 'mrr.discounts': 'forever' });
    expect(await juneOf('foreverPercent')).toBe(80); // 100 - 20%
    expect(await scenario.customerMrrByMonth(ids['repeatingPercent']!)).toMatchObject({ '2026-01': 100, '2026-03': 100, '2026-06': 100 });
    expect(await juneOf('foreverAmount')).toBe(85); // 100 - 15.00 a month
    expect(await juneOf('foreverAmountAnnual')).toBe(90); // (1,200 - 120) / 12: amount_off spreads over the billing interval
    expect((await scenario.customerMrrByMonth(ids['oncePercent']!))['2026-01']).toBe(100);
  });

  it('all: every discount while active; a repeating coupon ending shows as expansion', async () => {
    await scenario.build({ 'mrr.discounts': 'all' });
    // 50% for 3 months from Jan 5 -> ends Apr 5: Jan, Feb, Mar at 50, April at 100.
    expect(await scenario.customerMrrByMonth(ids['repeatingPercent']!)).toEqual({ '2026-01': 50, '2026-02': 50, '2026-03': 50, '2026-04': 100, '2026-05': 100, '2026-06': 100 });
    expect(await scenario.movements(ids['repeatingPercent']!)).toEqual(['2026-01 new 50.00', '2026-04 expansion 50.00']);
    // A once coupon discounts the first period only (Jan 5 - Feb 5): January at 50, February back to 100.
    expect(await scenario.movements(ids['oncePercent']!)).toEqual(['2026-01 new 50.00', '2026-02 expansion 50.00']);
    expect(await juneOf('foreverPercent')).toBe(80);
  });

  it('none: list-price MRR', async () => {
    await scenario.build({ 'mrr.discounts': 'none' });
    for (const name of ['foreverPercent', 'repeatingPercent', 'foreverAmount', 'oncePercent']) expect(await juneOf(name)).toBe(100);
    expect(await juneOf('foreverAmountAnnual')).toBe(100);
    await scenario.build();
  });
});

describe('trials', () => {
  let scenario: Scenario;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    scenario = await Scenario.run(
      (account) => {
        const product = account.product({ name: 'Starter' });
        const price = account.price({ product, unitAmount: 5_000, interval: 'month' });
        const converts = account.customer({ email: 'converts@example.com', createdAt: '2026-02-10T08:00:00Z' });
        const lapses = account.customer({ email: 'lapses@example.com', createdAt: '2026-02-10T08:00:00Z', card: null });
        const trialing = account.customer({ email: 'trialing@example.com', createdAt: '2026-06-10T08:00:00Z' });
        Object.assign(ids, { converts: converts.id, lapses: lapses.id, trialing: trialing.id });
        account.subscribe(converts, { at: '2026-02-10T08:00:00Z', items: [{ price }], trialDays: 14 });
        account.subscribe(lapses, { at: '2026-02-10T08:00:00Z', items: [{ price }], trialDays: 14, trialEndBehavior: 'cancel' });
        account.subscribe(trialing, { at: '2026-06-10T08:00:00Z', items: [{ price }], trialDays: 10 });
      },
      { now: NOW },
    );
  });
  afterAll(() => scenario?.close());

  it('a trial that converts counts from its trial end', async () => {
    // Trial Feb 10 -> Feb 24; paying from Feb 24, so February's month-end MRR is 50.
    expect(await scenario.customerMrrByMonth(ids['converts']!)).toMatchObject({ '2026-02': 50, '2026-06': 50 });
    expect(await scenario.movements(ids['converts']!)).toEqual(['2026-02 new 50.00']);
  });

  it('a trial that lapses never has MRR and stays a prospect', async () => {
    expect(await scenario.customerMrrByMonth(ids['lapses']!)).toEqual({});
    const [row] = await scenario.query<{ lifecycle_stage: string; mrr: number }>(`select lifecycle_stage, mrr::double as mrr from marts.customers where customer_id = ?`, [ids['lapses']]);
    expect(row).toEqual({ lifecycle_stage: 'prospect', mrr: 0 });
  });

  it('a trial in progress is in the trial stage with a trial-ending signal', async () => {
    // Trial Jun 10 -> Jun 20, within 7 days of Jun 15; it converts to 50.00.
    const [row] = await scenario.query<{ lifecycle_stage: string }>(`select lifecycle_stage from marts.customers where customer_id = ?`, [ids['trialing']]);
    expect(row!.lifecycle_stage).toBe('trial');
    const signals = await scenario.query<{ signal: string; amount: number; occurred_at: Date }>(
      `select signal, amount::double as amount, occurred_at from marts.billing_signals where customer_id = ?`,
      [ids['trialing']],
    );
    expect(signals).toEqual([{ signal: 'trial_ending', amount: 50, occurred_at: new Date('2026-06-20T08:00:00Z') }]);
  });
});

describe('cancellations under mrr.churn_at = ended and canceled', () => {
  let scenario: Scenario;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    scenario = await Scenario.run(
      (account) => {
        const product = account.product({ name: 'Starter' });
        const price = account.price({ product, unitAmount: 5_000, interval: 'month' });
        const atPeriodEnd = account.customer({ email: 'period-end@example.com', createdAt: '2026-01-05T08:00:00Z' });
        const immediate = account.customer({ email: 'immediate@example.com', createdAt: '2026-01-05T08:00:00Z' });
        Object.assign(ids, { atPeriodEnd: atPeriodEnd.id, immediate: immediate.id });
        const s1 = account.subscribe(atPeriodEnd, { at: '2026-01-05T08:00:00Z', items: [{ price }] });
        const s2 = account.subscribe(immediate, { at: '2026-01-05T08:00:00Z', items: [{ price }] });
        // Requested Mar 20; the period Mar 5 - Apr 5 runs out.
        account.cancel(s1, { at: '2026-03-20T12:00:00Z', atPeriodEnd: true, feedback: 'too_expensive' });
        account.cancel(s2, { at: '2026-03-20T12:00:00Z' });
      },
      { now: NOW },
    );
  });
  afterAll(() => scenario?.close());

  it('ended (default): cancel at period end churns when the period ends, immediate churns at once', async () => {
    await scenario.build({ 'mrr.churn_at': 'ended' });
    expect(await scenario.movements(ids['atPeriodEnd']!)).toEqual(['2026-01 new 50.00', '2026-04 churn -50.00']);
    expect(await scenario.movements(ids['immediate']!)).toEqual(['2026-01 new 50.00', '2026-03 churn -50.00']);
    const churn = await scenario.query<{ month: string; churned_customers: number; logo_churn_rate: number }>(
      `select strftime(month, '%Y-%m') as month, churned_customers, logo_churn_rate::double as logo_churn_rate from marts.churn_monthly where month in ('2026-03-01', '2026-04-01') order by month`,
    );
    // March: 2 customers at start, 1 churned; April: 1 at start, 1 churned.
    expect(churn).toEqual([
      { month: '2026-03', churned_customers: 1, logo_churn_rate: 0.5 },
      { month: '2026-04', churned_customers: 1, logo_churn_rate: 1 },
    ]);
  });

  it('canceled: churn counts at the cancellation request', async () => {
    await scenario.build({ 'mrr.churn_at': 'canceled' });
    expect(await scenario.movements(ids['atPeriodEnd']!)).toEqual(['2026-01 new 50.00', '2026-03 churn -50.00']);
    expect(await scenario.movements(ids['immediate']!)).toEqual(['2026-01 new 50.00', '2026-03 churn -50.00']);
    await scenario.build();
  });

  it('records why the customer left', async () => {
    const rows = await scenario.query<{ customer_id: string; reason: string; lost_mrr: number }>(
      `select customer_id, reason, lost_mrr::double as lost_mrr from marts.churn_events order by customer_id`,
    );
    expect(rows).toContainEqual({ customer_id: ids['atPeriodEnd'], reason: 'too_expensive', lost_mrr: 50 });
    expect(rows).toContainEqual({ customer_id: ids['immediate'], reason: 'cancellation_requested', lost_mrr: 50 });
  });
});

describe('plan changes', () => {
  let scenario: Scenario;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    scenario = await Scenario.run(
      (account) => {
        const basic = account.price({ product: account.product({ name: 'Basic' }), unitAmount: 5_000, interval: 'month' });
        const pro = account.price({ product: account.product({ name: 'Pro' }), unitAmount: 10_000, interval: 'month' });
        const seat = account.price({ product: account.product({ name: 'Seat' }), unitAmount: 2_000, interval: 'month' });
        const upgradeNow = account.customer({ email: 'upgrade-invoiced@example.com', createdAt: '2026-01-10T08:00:00Z' });
        const upgradeLater = account.customer({ email: 'upgrade-prorated@example.com', createdAt: '2026-01-10T08:00:00Z' });
        const downgrade = account.customer({ email: 'downgrade@example.com', createdAt: '2026-01-10T08:00:00Z' });
        const seats = account.customer({ email: 'seats@example.com', createdAt: '2026-01-10T08:00:00Z' });
        Object.assign(ids, { upgradeNow: upgradeNow.id, upgradeLater: upgradeLater.id, downgrade: downgrade.id, seats: seats.id });
        const a = account.subscribe(upgradeNow, { at: '2026-01-10T08:00:00Z', items: [{ price: basic }] });
        const b = account.subscribe(upgradeLater, { at: '2026-01-10T08:00:00Z', items: [{ price: basic }] });
        const c = account.subscribe(downgrade, { at: '2026-01-10T08:00:00Z', items: [{ price: pro }] });
        const d = account.subscribe(seats, { at: '2026-01-10T08:00:00Z', items: [{ price: seat, quantity: 3 }] });
        account.changeItems(a, { at: '2026-03-15T12:00:00Z', items: [{ price: pro }], prorationBehavior: 'always_invoice' });
        account.changeItems(b, { at: '2026-03-15T12:00:00Z', items: [{ price: pro }], prorationBehavior: 'create_prorations' });
        account.changeItems(c, { at: 'period_end', declaredAt: '2026-03-20T12:00:00Z', items: [{ price: basic }] });
        account.changeItems(d, { at: '2026-04-20T12:00:00Z', items: [{ price: seat, quantity: 5 }], prorationBehavior: 'create_prorations' });
      },
      { now: NOW },
    );
  });
  afterAll(() => scenario?.close());

  it('a mid-period upgrade with prorations is expansion in the month it happens', async () => {
    // 50 in January and February, 100 from March 15.
    expect(await scenario.movements(ids['upgradeNow']!)).toEqual(['2026-01 new 50.00', '2026-03 expansion 50.00']);
    expect(await scenario.movements(ids['upgradeLater']!)).toEqual(['2026-01 new 50.00', '2026-03 expansion 50.00']);
    const prorations = await scenario.query<{ n: number }>(
      `select count(*) as n from staging.stg_stripe__invoice_lines lines
       join staging.stg_stripe__invoices invoices using (invoice_id)
       where lines.is_proration and invoices.customer_id = ?`,
      [ids['upgradeNow']],
    );
    expect(prorations[0]!.n).toBe(2); // credit for Basic, debit for Pro
  });

  it('a downgrade at renewal is contraction when the next period starts', async () => {
    // Declared Mar 20, takes effect at the Apr 10 renewal: 100 through March, 50 from April.
    expect(await scenario.customerMrrByMonth(ids['downgrade']!)).toMatchObject({ '2026-03': 100, '2026-04': 50 });
    expect(await scenario.movements(ids['downgrade']!)).toEqual(['2026-01 new 100.00', '2026-04 contraction -50.00']);
  });

  it('adding seats is expansion', async () => {
    // 3 x 20 = 60, then 5 x 20 = 100 from Apr 20.
    expect(await scenario.movements(ids['seats']!)).toEqual(['2026-01 new 60.00', '2026-04 expansion 40.00']);
  });

  it('flags a plan change of the last 7 days only when there is one', async () => {
    const signals = await scenario.query(`select * from marts.billing_signals where signal in ('upgraded', 'downgraded')`);
    expect(signals).toEqual([]);
  });
});

describe('reactivation, several subscriptions, metered prices', () => {
  let scenario: Scenario;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    scenario = await Scenario.run(
      (account) => {
        const product = account.product({ name: 'Core' });
        const monthly = account.price({ product, unitAmount: 5_000, interval: 'month' });
        const addon = account.price({ product: account.product({ name: 'Add-on' }), unitAmount: 3_000, interval: 'month' });
        const metered = account.price({ product: account.product({ name: 'API calls' }), unitAmount: 1, interval: 'month', usageType: 'metered' });
        const returning = account.customer({ email: 'returning@example.com', createdAt: '2026-01-05T08:00:00Z' });
        const twoSubs = account.customer({ email: 'two-subs@example.com', createdAt: '2026-01-05T08:00:00Z' });
        const usage = account.customer({ email: 'usage@example.com', createdAt: '2026-01-05T08:00:00Z' });
        Object.assign(ids, { returning: returning.id, twoSubs: twoSubs.id, usage: usage.id });
        const first = account.subscribe(returning, { at: '2026-01-05T08:00:00Z', items: [{ price: monthly }] });
        account.cancel(first, { at: '2026-02-15T08:00:00Z' });
        account.subscribe(returning, { at: '2026-04-03T08:00:00Z', items: [{ price: monthly }] });
        account.subscribe(twoSubs, { at: '2026-01-05T08:00:00Z', items: [{ price: monthly }] });
        const second = account.subscribe(twoSubs, { at: '2026-01-05T08:00:00Z', items: [{ price: addon }] });
        account.cancel(second, { at: '2026-03-10T08:00:00Z' });
        account.subscribe(usage, { at: '2026-01-05T08:00:00Z', items: [{ price: monthly }, { price: metered }] });
      },
      { now: NOW },
    );
  });
  afterAll(() => scenario?.close());

  it('a customer who comes back is a reactivation, not new', async () => {
    expect(await scenario.movements(ids['returning']!)).toEqual(['2026-01 new 50.00', '2026-02 churn -50.00', '2026-04 reactivation 50.00']);
  });

  it('cancelling one of two subscriptions is contraction, not churn', async () => {
    // 50 + 30 = 80, then 50 from Mar 10.
    expect(await scenario.movements(ids['twoSubs']!)).toEqual(['2026-01 new 80.00', '2026-03 contraction -30.00']);
    const [march] = await scenario.query<{ churned_customers: number; gross: number }>(
      `select churned_customers, gross_mrr_churn_rate::double as gross from marts.churn_monthly where month = '2026-03-01'`,
    );
    // At the start of March: 80 (two subscriptions) + 50 (usage); the returning customer churned in
    // February. 130 MRR, 30 lost to contraction, nobody churned.
    expect(march).toEqual({ churned_customers: 0, gross: Number((30 / 130).toFixed(6)) });
  });

  it('metered prices are never MRR', async () => {
    expect((await scenario.customerMrrByMonth(ids['usage']!))['2026-06']).toBe(50);
  });
});

describe('failed payments: past_due counts, unpaid does not', () => {
  let scenario: Scenario;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    scenario = await Scenario.run(
      (account) => {
        const price = account.price({ product: account.product({ name: 'Starter' }), unitAmount: 5_000, interval: 'month' });
        const unpaid = account.customer({ email: 'unpaid@example.com', createdAt: '2026-01-28T08:00:00Z' });
        const canceled = account.customer({ email: 'canceled@example.com', createdAt: '2026-01-28T08:00:00Z' });
        const pastDue = account.customer({ email: 'past-due@example.com', createdAt: '2026-01-10T08:00:00Z' });
        Object.assign(ids, { unpaid: unpaid.id, canceled: canceled.id, pastDue: pastDue.id });
        account.subscribe(unpaid, { at: '2026-01-28T08:00:00Z', items: [{ price }], dunning: { exhausted: 'unpaid', invoice: 'open' } });
        account.subscribe(canceled, { at: '2026-01-28T08:00:00Z', items: [{ price }], dunning: { exhausted: 'cancel' } });
        account.subscribe(pastDue, { at: '2026-01-10T08:00:00Z', items: [{ price }] });
        // The Mar 28 renewal fails, and its retries on Mar 31, Apr 5 and Apr 12.
        account.failPayments(unpaid, { from: '2026-03-27T00:00:00Z', until: '2027-01-01T00:00:00Z' });
        account.failPayments(canceled, { from: '2026-03-27T00:00:00Z', until: '2027-01-01T00:00:00Z' });
        // The Jun 10 renewal fails; retries Jun 13 (failed) and Jun 18 (not yet).
        account.failPayments(pastDue, { from: '2026-06-09T00:00:00Z', until: '2027-01-01T00:00:00Z' });
      },
      { now: NOW },
    );
  });
  afterAll(() => scenario?.close());

  it('past_due at the end of March still counts; unpaid from Apr 12 does not', async () => {
    expect(await scenario.customerMrrByMonth(ids['unpaid']!)).toMatchObject({ '2026-03': 50, '2026-04': 0 });
    expect(await scenario.movements(ids['unpaid']!)).toEqual(['2026-01 new 50.00', '2026-04 churn -50.00']);
  });

  it('a subscription canceled for non-payment churns when dunning gives up', async () => {
    expect(await scenario.movements(ids['canceled']!)).toEqual(['2026-01 new 50.00', '2026-04 churn -50.00']);
    const [event] = await scenario.query<{ reason: string }>(`select reason from marts.churn_events where customer_id = ?`, [ids['canceled']]);
    expect(event!.reason).toBe('payment_failed');
  });

  it('a customer past due now keeps its MRR, is at risk, and has a payment-failed signal', async () => {
    const [row] = await scenario.query<{ lifecycle_stage: string; mrr: number }>(`select lifecycle_stage, mrr::double as mrr from marts.customers where customer_id = ?`, [ids['pastDue']]);
    expect(row).toEqual({ lifecycle_stage: 'at_risk', mrr: 50 });
    const signals = await scenario.query<{ signal: string; amount: number }>(`select signal, amount::double as amount from marts.billing_signals where customer_id = ?`, [ids['pastDue']]);
    expect(signals).toEqual([{ signal: 'payment_failed', amount: 50 }]);
    const stages = await scenario.query<{ lifecycle_stage: string }>(`select lifecycle_stage from marts.customers where customer_id in (?, ?)`, [ids['unpaid'], ids['canceled']]);
    expect(stages.map((s) => s.lifecycle_stage)).toEqual(['churned', 'churned']);
  });
});

describe('identity: two Stripe customers with one email, and a deleted customer', () => {
  let scenario: Scenario;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    scenario = await Scenario.run(
      (account) => {
        const price = account.price({ product: account.product({ name: 'Starter' }), unitAmount: 5_000, interval: 'month' });
        const addon = account.price({ product: account.product({ name: 'Add-on' }), unitAmount: 3_000, interval: 'month' });
        const first = account.customer({ email: 'Dana@Acme.io', name: 'Dana', createdAt: '2026-01-02T08:00:00Z' });
        const second = account.customer({ email: ' dana@acme.io ', name: 'Dana Scott', createdAt: '2026-02-01T08:00:00Z' });
        const gone = account.customer({ email: 'gone@example.com', name: 'Gone Ltd', createdAt: '2026-01-05T08:00:00Z' });
        Object.assign(ids, { first: first.id, second: second.id, gone: gone.id });
        account.subscribe(first, { at: '2026-01-02T08:00:00Z', items: [{ price }] });
        account.subscribe(second, { at: '2026-02-01T08:00:00Z', items: [{ price: addon }] });
        const sub = account.subscribe(gone, { at: '2026-01-05T08:00:00Z', items: [{ price }] });
        account.cancel(sub, { at: '2026-03-10T08:00:00Z' });
        account.deleteCustomer(gone, { at: '2026-04-01T08:00:00Z' });
      },
      { now: NOW },
    );
  });
  afterAll(() => scenario?.close());

  it('merges them into one customer keyed by the earliest Stripe customer', async () => {
    const rows = await scenario.query<{ customer_id: string; stripe_customer_ids: string[]; mrr: number; email: string; origin: string }>(
      `select customer_id, stripe_customer_ids, mrr::double as mrr, email, origin from marts.customers where customer_id in (?, ?)`,
      [ids['first'], ids['second']],
    );
    // The newest live Stripe customer speaks for the identity (its email, trimmed).
    expect(rows).toEqual([{ customer_id: ids['first'], stripe_customer_ids: [ids['first'], ids['second']].sort(), mrr: 80, email: 'dana@acme.io', origin: 'stripe' }]);
    expect(await scenario.movements(ids['first']!)).toEqual(['2026-01 new 50.00', '2026-02 expansion 30.00']);
  });

  it('keeps a deleted customer with its history', async () => {
    // Deleted on Apr 1, before the first sync and past Stripe's 30 days of events: Stripe
    // only answers a stub for it. Its invoices remember who it was.
    const [raw] = await scenario.query<{ deleted: boolean; email: string | null }>(`select deleted, data->>'email' as email from raw_stripe.customers where id = ?`, [ids['gone']]);
    expect(raw).toEqual({ deleted: true, email: null });
    const [row] = await scenario.query<{ is_deleted: boolean; email: string; lifecycle_stage: string }>(
      `select is_deleted, email, lifecycle_stage from marts.customers where customer_id = ?`,
      [ids['gone']],
    );
    expect(row).toEqual({ is_deleted: true, email: 'gone@example.com', lifecycle_stage: 'churned' });
    expect(await scenario.movements(ids['gone']!)).toEqual(['2026-01 new 50.00', '2026-03 churn -50.00']);
  });
});
