import { faker } from '@faker-js/faker';
import { Random } from './random.js';

/**
 * A plausible SaaS account, simulated month by month, rendered as the rows of
 * the published marts. It stands in for the real pipeline until the models
 * land, so it keeps the marts' own invariants: customer MRR sums to
 * mrr_monthly, movements explain every change, churn rates follow metrics.md.
 * Money is kept in integer cents and written as DECIMAL(18,2) text.
 */
export type Row = Record<string, unknown>;
export type FixtureRows = Record<string, Row[]>;

export interface SimulationOptions {
  readonly customers: number;
  readonly seed: number;
  readonly now: Date;
  readonly months: number;
  /** false: no CRM imported (the CRM marts are empty, every customer is Stripe-only). */
  readonly crm: boolean;
}

const DAY = 86_400_000;
const REPORTING = 'usd';
const RATES: Record<string, number> = { usd: 1, eur: 1.08, gbp: 1.27 };
const PLANS = [
  { product: 'Starter', monthly: 2900, weight: 0.45, seats: false },
  { product: 'Growth', monthly: 7900, weight: 0.3, seats: true },
  { product: 'Scale', monthly: 19900, weight: 0.18, seats: true },
  { product: 'Enterprise', monthly: 49900, weight: 0.07, seats: false },
] as const;
const ADDON = { product: 'Priority support', monthly: 4900 };
const OWNERS = ['Ana Silva', 'Ben Okafor', 'Chloé Martin', 'Dmitri Ivanov', 'Emma Larsen'];
const TAGS = ['enterprise', 'smb', 'partner', 'newsletter', 'vip', 'eu', 'referral'];
const REASONS = ['too_expensive', 'missing_features', 'switched_service', 'unused', 'customer_service', 'other'];
const FAILURES = ['Your card was declined.', 'Your card has insufficient funds.', 'Your card has expired.'];
export const STAGES = ['trial', 'activated', 'paying', 'expanded', 'at_risk', 'churned', 'prospect'] as const;

export const money = (cents: number): string => (cents / 100).toFixed(2);
const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

interface Item {
  id: string;
  priceId: string;
  product: string;
  interval: 'month' | 'year';
  unit: number; // cents, local currency, per interval
  quantity: number;
}

interface Subscription {
  id: string;
  createdAt: number;
  trialEnd: number | null;
  endedAt: number | null;
  canceledAt: number | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: number | null;
  reason: string | null;
  status: string;
  items: Item[];
  anchorDay: number;
}

interface Customer {
  id: string;
  stripeIds: string[];
  crmIds: string[];
  crmOnly: boolean;
  email: string;
  name: string;
  company: string | null;
  owner: string | null;
  tags: string[];
  phone: string | null;
  currency: string;
  createdAt: number;
  deleted: boolean;
  subscriptions: Subscription[];
  /** Month-end MRR in reporting cents, by month index; undefined before the first month with MRR. */
  mrr: (number | undefined)[];
  firstPaidAt: number | null;
  initialMrr: number;
  trialing: boolean;
  pastDue: boolean;
  cardExpiring: boolean;
  churnedAt: number | null;
  events: { at: number; kind: 'expansion' | 'contraction' | 'churn' | 'reactivation'; delta: number; reason?: string }[];
}

export function simulateAccount(options: SimulationOptions): FixtureRows {
  const random = new Random(options.seed);
  faker.seed(options.seed);
  const now = options.now.getTime();
  const current = options.months - 1;
  const monthStart = (index: number): number => Date.UTC(options.now.getUTCFullYear(), options.now.getUTCMonth() - (current - index), 1);
  const monthEnd = (index: number): number => Math.min(monthStart(index + 1) - 1, now);
  const monthOf = (ms: number): number => {
    for (let i = current; i >= 0; i--) if (ms >= monthStart(i)) return i;
    return 0;
  };
  const within = (index: number): number => {
    const start = monthStart(index);
    return start + Math.floor(random.next() * (monthEnd(index) - start));
  };

  let seq = 0;
  const nextId = (prefix: string): string => `${prefix}_${(++seq).toString(36).padStart(8, '0')}${random.int(0, 1295).toString(36)}`;
  const customers: Customer[] = [];
  const crmRecords: { system: string; id: string; email: string; customer: Customer; collision: boolean }[] = [];

  const itemMrr = (item: Item, currency: string): number =>
    Math.round(((item.interval === 'year' ? item.unit / 12 : item.unit) * item.quantity) * RATES[currency]!);
  const subscriptionMrr = (sub: Subscription, currency: string): number => sub.items.reduce((sum, item) => sum + itemMrr(item, currency), 0);

  const addonItem = (currency: string, interval: 'month' | 'year'): Item => ({
    id: nextId('si'),
    priceId: `price_support_${interval}_${currency}`,
    product: ADDON.product,
    interval,
    unit: Math.round((interval === 'year' ? ADDON.monthly * 10 : ADDON.monthly) / RATES[currency]! / 100) * 100,
    quantity: 1,
  });

  const newSubscription = (customer: Customer, at: number, trialEnd: number | null): Subscription => {
    const plan = random.weighted(PLANS.map((p) => [p, p.weight] as const));
    const interval = random.chance(0.15) ? 'year' : 'month';
    // Prices are whole units of the customer's currency.
    const local = (cents: number): number => Math.round(cents / RATES[customer.currency]! / 100) * 100;
    const perInterval = (monthly: number): number => (interval === 'year' ? monthly * 10 : monthly);
    const items: Item[] = [
      {
        id: nextId('si'),
        priceId: `price_${plan.product.toLowerCase()}_${interval}_${customer.currency}`,
        product: plan.product,
        interval,
        unit: local(perInterval(plan.monthly)),
        quantity: plan.seats ? random.int(1, 4) : 1,
      },
    ];
    if (random.chance(0.2)) {
      items.push(addonItem(customer.currency, interval));
    }
    return {
      id: nextId('sub'),
      createdAt: at,
      trialEnd,
      endedAt: null,
      canceledAt: null,
      cancelAtPeriodEnd: false,
      cancelAt: null,
      reason: null,
      status: 'active',
      items,
      anchorDay: new Date(trialEnd ?? at).getUTCDate(),
    };
  };

  for (let n = 0; n < options.customers; n++) {
    const crmOnly = options.crm && random.chance(0.12);
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    const company = faker.company.name();
    const email = faker.internet.email({ firstName: first, lastName: last, provider: `${company.toLowerCase().replace(/[^a-z]+/g, '')}.example` }).toLowerCase();
    const signupMonth = Math.min(current, Math.floor(options.months * Math.sqrt(random.next())));
    const createdAt = within(signupMonth);
    const inCrm = options.crm && (crmOnly || random.chance(0.45));
    const currency = random.weighted([
      ['usd', 0.8],
      ['eur', 0.12],
      ['gbp', 0.08],
    ] as const);
    const stripeId = crmOnly ? null : nextId('cus');
    const crmId = inCrm ? String(100000 + n * 7 + random.int(0, 6)) : null;
    const customer: Customer = {
      id: stripeId ?? `crm:hubspot:${crmId}`,
      stripeIds: stripeId ? [stripeId] : [],
      crmIds: crmId ? [crmId] : [],
      crmOnly,
      email,
      name: `${first} ${last}`,
      company: inCrm || random.chance(0.3) ? company : null,
      owner: inCrm ? random.pick(OWNERS) : null,
      tags: inCrm ? random.subset(TAGS, 0.2) : [],
      phone: inCrm ? faker.phone.number({ style: 'international' }) : null,
      currency,
      createdAt,
      deleted: false,
      subscriptions: [],
      mrr: [],
      firstPaidAt: null,
      initialMrr: 0,
      trialing: false,
      pastDue: false,
      cardExpiring: false,
      churnedAt: null,
      events: [],
    };
    customers.push(customer);
    if (crmId) crmRecords.push({ system: 'hubspot', id: crmId, email, customer, collision: false });
    if (crmId && random.chance(0.02)) {
      const duplicate = String(900000 + n);
      customer.crmIds.push(duplicate);
      crmRecords.push({ system: 'hubspot', id: duplicate, email, customer, collision: true });
    }
    if (crmOnly) continue;

    const trial = random.chance(0.35);
    const trialEnd = trial ? createdAt + 14 * DAY : null;
    let sub = newSubscription(customer, createdAt, trialEnd);
    customer.subscriptions.push(sub);
    if (trial && !random.chance(0.8)) {
      // A trial that never converts: still trialing, or expired unpaid.
      if (trialEnd! > now) {
        sub.status = 'trialing';
        customer.trialing = true;
      } else {
        sub.status = 'incomplete_expired';
        sub.endedAt = trialEnd;
      }
      continue;
    }
    const firstPaidAt = trialEnd ?? createdAt;
    if (firstPaidAt > now) {
      sub.status = 'trialing';
      customer.trialing = true;
      continue;
    }
    customer.firstPaidAt = firstPaidAt;
    let active = true;
    for (let m = monthOf(firstPaidAt); m <= current; m++) {
      if (m > monthOf(firstPaidAt)) {
        const at = within(m);
        if (active) {
          const roll = random.next();
          const before = subscriptionMrr(sub, currency);
          if (roll < 0.022) {
            active = false;
            sub.status = 'canceled';
            sub.endedAt = at;
            sub.canceledAt = at - random.int(0, 20) * DAY;
            sub.reason = random.pick(REASONS);
            customer.events.push({ at, kind: 'churn', delta: -before, reason: sub.reason });
          } else if (roll < 0.052) {
            const main = sub.items[0]!;
            if (main.quantity < 10 && random.chance(0.7)) main.quantity += 1;
            else if (sub.items.length === 1) sub.items.push(addonItem(currency, sub.items[0]!.interval));
            else main.quantity += 1;
            customer.events.push({ at, kind: 'expansion', delta: subscriptionMrr(sub, currency) - before });
          } else if (roll < 0.064) {
            const main = sub.items[0]!;
            if (main.quantity > 1) main.quantity -= 1;
            else if (sub.items.length > 1) sub.items.pop();
            if (subscriptionMrr(sub, currency) < before) customer.events.push({ at, kind: 'contraction', delta: subscriptionMrr(sub, currency) - before });
          }
        } else if (random.chance(0.05)) {
          active = true;
          sub = newSubscription(customer, at, null);
          customer.subscriptions.push(sub);
          customer.events.push({ at, kind: 'reactivation', delta: subscriptionMrr(sub, currency) });
        }
      }
      customer.mrr[m] = active ? subscriptionMrr(sub, currency) : 0;
    }
    customer.initialMrr = customer.mrr[monthOf(firstPaidAt)] ?? 0;
    if (active) {
      const roll = random.next();
      if (roll < 0.035) {
        sub.status = 'past_due';
        customer.pastDue = true;
      } else if (roll < 0.07) {
        sub.cancelAtPeriodEnd = true;
        sub.canceledAt = now - random.int(0, 10) * DAY;
        sub.cancelAt = Date.UTC(options.now.getUTCFullYear(), options.now.getUTCMonth() + 1, Math.min(sub.anchorDay, 28));
      } else if (roll < 0.1) {
        customer.cardExpiring = true;
      }
    } else {
      customer.churnedAt = sub.endedAt;
      if (random.chance(0.05)) customer.deleted = true;
    }
  }

  return renderRows(customers, crmRecords, { ...options, nowMs: now, current, monthStart, monthOf, nextId, random, itemMrr, subscriptionMrr });
}

interface RenderContext extends SimulationOptions {
  nowMs: number;
  current: number;
  monthStart: (index: number) => number;
  monthOf: (ms: number) => number;
  nextId: (prefix: string) => string;
  random: Random;
  itemMrr: (item: Item, currency: string) => number;
  subscriptionMrr: (sub: Subscription, currency: string) => number;
}

function stageOf(customer: Customer, now: number): (typeof STAGES)[number] {
  const mrrNow = customer.mrr[customer.mrr.length - 1] ?? 0;
  const hadMrr = customer.mrr.some((value) => (value ?? 0) > 0);
  if (hadMrr && mrrNow === 0 && !customer.trialing) return 'churned';
  if (customer.trialing && mrrNow === 0) return 'trial';
  if (mrrNow > 0) {
    const sub = customer.subscriptions[customer.subscriptions.length - 1]!;
    if (customer.pastDue || sub.cancelAtPeriodEnd || customer.cardExpiring) return 'at_risk';
    if (customer.firstPaidAt !== null && customer.firstPaidAt > now - 30 * DAY) return 'activated';
    if (mrrNow > customer.initialMrr) return 'expanded';
    return 'paying';
  }
  return 'prospect';
}

function renderRows(customers: Customer[], crmRecords: { system: string; id: string; email: string; customer: Customer; collision: boolean }[], ctx: RenderContext): FixtureRows {
  const { random, current, monthStart, nowMs: now } = ctx;
  const rows: FixtureRows = {};
  const table = (name: string): Row[] => (rows[name] ??= []);
  const stageByCustomer = new Map<Customer, string>();

  for (const customer of customers) {
    const stage = stageOf(customer, now);
    stageByCustomer.set(customer, stage);
    const mrrNow = customer.mrr[current] ?? 0;
    table('marts.customers').push({
      customer_id: customer.id,
      email: customer.email,
      name: customer.name,
      company: customer.company,
      origin: customer.crmOnly ? 'crm' : customer.crmIds.length > 0 ? 'both' : 'stripe',
      lifecycle_stage: stage,
      mrr: money(mrrNow),
      stripe_customer_ids: customer.stripeIds,
      crm_record_ids: customer.crmIds,
      first_paid_at: iso(customer.firstPaidAt),
      churned_at: stage === 'churned' ? iso(customer.churnedAt) : null,
      created_at: iso(customer.createdAt),
      owner: customer.owner,
      tags: customer.tags,
      phone: customer.phone,
      currency: customer.crmOnly ? null : customer.currency,
      is_deleted: customer.deleted,
    });

    // Snapshots and the movements between them.
    const firstMonth = customer.mrr.findIndex((value) => value !== undefined && value > 0);
    if (firstMonth >= 0) {
      let hadBefore = false;
      for (let m = firstMonth; m <= current; m++) {
        const value = customer.mrr[m] ?? 0;
        const previous = m > firstMonth ? (customer.mrr[m - 1] ?? 0) : 0;
        table('marts.customer_mrr_monthly').push({ customer_id: customer.id, month: day(monthStart(m)), mrr: money(value) });
        let movement: string | null = null;
        if (previous === 0 && value > 0) movement = hadBefore ? 'reactivation' : 'new';
        else if (previous > 0 && value === 0) movement = 'churn';
        else if (previous > 0 && value > previous) movement = 'expansion';
        else if (value > 0 && value < previous) movement = 'contraction';
        if (movement) table('marts.mrr_movements').push({ customer_id: customer.id, month: day(monthStart(m)), movement, amount: money(value - previous), _cents: value - previous });
        if (movement === 'churn') {
          const event = customer.events.find((e) => e.kind === 'churn' && ctx.monthOf(e.at) === m);
          table('marts.churn_events').push({
            customer_id: customer.id,
            month: day(monthStart(m)),
            churned_at: iso(event?.at ?? monthStart(m)),
            lost_mrr: money(previous),
            reason: event?.reason ?? 'other',
          });
        }
        if (value > 0) hadBefore = true;
      }
    }

    renderBilling(customer, ctx, table);
  }

  renderAggregates(customers, ctx, table, stageByCustomer);
  renderCrm(customers, crmRecords, ctx, table);
  renderSignals(customers, ctx, table);
  for (const movement of rows['marts.mrr_movements'] ?? []) delete movement['_cents'];
  void random;
  return rows;
}

function renderBilling(customer: Customer, ctx: RenderContext, table: (name: string) => Row[]): void {
  const { random, nowMs: now, current } = ctx;
  const stripeId = customer.stripeIds[0];
  if (!stripeId) return;
  let invoiceNumber = 0;
  customer.subscriptions.forEach((sub, index) => {
    const isLast = index === customer.subscriptions.length - 1;
    const live = sub.status === 'active' || sub.status === 'past_due' || sub.status === 'trialing';
    table('marts.subscriptions').push({
      subscription_id: sub.id,
      customer_id: customer.id,
      stripe_customer_id: stripeId,
      status: sub.status,
      currency: customer.currency,
      created_at: new Date(sub.createdAt).toISOString(),
      trial_end: sub.trialEnd === null ? null : new Date(sub.trialEnd).toISOString(),
      cancel_at_period_end: sub.cancelAtPeriodEnd,
      cancel_at: sub.cancelAt === null ? null : new Date(sub.cancelAt).toISOString(),
      canceled_at: sub.canceledAt === null ? null : new Date(sub.canceledAt).toISOString(),
      ended_at: sub.endedAt === null ? null : new Date(sub.endedAt).toISOString(),
      cancellation_reason: sub.reason,
      mrr: money(live && sub.status !== 'trialing' ? ctx.subscriptionMrr(sub, customer.currency) : 0),
    });
    for (const item of sub.items) {
      table('marts.subscription_items').push({
        subscription_id: sub.id,
        customer_id: customer.id,
        item_id: item.id,
        price_id: item.priceId,
        product_name: item.product,
        interval: item.interval,
        interval_count: 1,
        quantity: item.quantity,
        unit_amount: money(item.unit),
        currency: customer.currency,
        mrr: money(live && sub.status !== 'trialing' ? ctx.itemMrr(item, customer.currency) : 0),
      });
    }
    // One invoice per billing period while the subscription paid.
    const start = sub.trialEnd ?? sub.createdAt;
    if (sub.status === 'incomplete_expired' || sub.status === 'trialing') return;
    const end = sub.endedAt ?? now;
    const yearly = sub.items[0]!.interval === 'year';
    for (let period = start, k = 0; period <= end && period <= now; k++) {
      const next = Date.UTC(new Date(start).getUTCFullYear(), new Date(start).getUTCMonth() + (yearly ? 12 : 1) * (k + 1), new Date(start).getUTCDate());
      const total = sub.items.reduce((sum, item) => sum + item.unit * item.quantity, 0);
      const lastOpen = isLast && customer.pastDue && next > now;
      const invoiceId = ctx.nextId('in');
      table('marts.invoices').push({
        invoice_id: invoiceId,
        customer_id: customer.id,
        stripe_customer_id: stripeId,
        number: `${stripeId.slice(4, 12).toUpperCase()}-${String(++invoiceNumber).padStart(4, '0')}`,
        status: lastOpen ? 'open' : 'paid',
        billing_reason: k === 0 ? 'subscription_create' : 'subscription_cycle',
        created_at: new Date(period).toISOString(),
        period_start: new Date(period).toISOString(),
        period_end: new Date(next).toISOString(),
        currency: customer.currency,
        total: money(total),
        amount_paid: money(lastOpen ? 0 : total),
        amount_due: money(total),
        amount_remaining: money(lastOpen ? total : 0),
      });
      const failedFirst = lastOpen || random.chance(0.04);
      if (failedFirst) {
        table('marts.payments').push(payment(ctx, customer, period + 3_600_000, total, 'failed'));
      }
      if (!lastOpen) {
        const paid = payment(ctx, customer, period + (failedFirst ? 3 * DAY : 60_000), total, 'succeeded');
        if (random.chance(0.02)) paid['amount_refunded'] = money(random.chance(0.5) ? total : Math.round(total / 2));
        if (random.chance(0.004)) paid['disputed'] = true;
        table('marts.payments').push(paid);
      }
      period = next;
    }
  });
  void current;
}

function payment(ctx: RenderContext, customer: Customer, at: number, cents: number, status: 'succeeded' | 'failed'): Row {
  return {
    charge_id: ctx.nextId('ch'),
    customer_id: customer.id,
    created_at: new Date(Math.min(at, ctx.nowMs)).toISOString(),
    currency: customer.currency,
    amount: money(cents),
    status,
    failure_message: status === 'failed' ? ctx.random.pick(FAILURES) : null,
    amount_refunded: money(0),
    disputed: false,
  };
}

function renderAggregates(customers: Customer[], ctx: RenderContext, table: (name: string) => Row[], stages: Map<Customer, string>): void {
  const { current, monthStart, nowMs: now } = ctx;
  const movements = table('marts.mrr_movements');
  const firstMrrMonth = Math.min(...customers.map((c) => c.mrr.findIndex((v) => v !== undefined && v > 0)).filter((i) => i >= 0), current);
  const monthTotal = (m: number): number => customers.reduce((sum, c) => sum + (c.mrr[m] ?? 0), 0);
  const paying = (m: number): number => customers.filter((c) => (c.mrr[m] ?? 0) > 0).length;
  for (let m = firstMrrMonth; m <= current; m++) {
    const month = day(monthStart(m));
    const sum = (kind: string): number => movements.filter((r) => r['month'] === month && r['movement'] === kind).reduce((s, r) => s + (r['_cents'] as number), 0);
    const [nw, re, ex, co, ch] = ['new', 'reactivation', 'expansion', 'contraction', 'churn'].map(sum) as [number, number, number, number, number];
    const mrr = monthTotal(m);
    const previous = m > firstMrrMonth ? monthTotal(m - 1) : 0;
    table('marts.mrr_monthly').push({
      month,
      mrr: money(mrr),
      arr: money(mrr * 12),
      paying_customers: paying(m),
      new_mrr: money(nw),
      reactivation_mrr: money(re),
      expansion_mrr: money(ex),
      contraction_mrr: money(co),
      churned_mrr: money(ch),
      fx_impact: money(0),
      net_new_mrr: money(mrr - previous),
      quick_ratio: co + ch === 0 ? null : (nw + re + ex) / -(co + ch),
    });
    const atStart = m > firstMrrMonth ? paying(m - 1) : 0;
    const churned = movements.filter((r) => r['month'] === month && r['movement'] === 'churn').length;
    table('marts.churn_monthly').push({
      month,
      customers_at_start: atStart,
      churned_customers: churned,
      logo_churn_rate: atStart === 0 ? null : churned / atStart,
      mrr_at_start: money(previous),
      gross_mrr_churn_rate: previous === 0 ? null : -(ch + co) / previous,
      net_mrr_churn_rate: previous === 0 ? null : -(ch + co + ex + re) / previous,
    });
  }

  // Revenue: Stripe's ledger, settled in the account currency.
  const byMonth = new Map<number, { gross: number; refunds: number; disputes: number; fees: number }>();
  for (const p of table('marts.payments')) {
    if (p['status'] !== 'succeeded') continue;
    const m = ctx.monthOf(Date.parse(p['created_at'] as string));
    const rate = RATES[p['currency'] as string]!;
    const settled = Math.round(Number(p['amount']) * 100 * rate);
    const bucket = byMonth.get(m) ?? { gross: 0, refunds: 0, disputes: 0, fees: 0 };
    bucket.gross += settled;
    bucket.fees += Math.round(settled * 0.029) + 30;
    bucket.refunds += Math.round(Number(p['amount_refunded']) * 100 * rate);
    if (p['disputed']) {
      bucket.disputes += settled;
      bucket.fees += 1500;
    }
    byMonth.set(m, bucket);
  }
  for (const [m, b] of [...byMonth.entries()].sort((a, b) => a[0] - b[0])) {
    table('marts.revenue_monthly').push({
      month: day(monthStart(m)),
      currency: REPORTING,
      gross_volume: money(b.gross),
      refunds: money(b.refunds),
      disputes: money(b.disputes),
      fees: money(b.fees),
      net_volume: money(b.gross - b.refunds - b.disputes - b.fees),
    });
  }

  // Cohort retention by first-paid month.
  const cohorts = new Map<number, Customer[]>();
  for (const c of customers) {
    if (c.firstPaidAt === null) continue;
    const m = ctx.monthOf(c.firstPaidAt);
    cohorts.set(m, [...(cohorts.get(m) ?? []), c]);
  }
  for (const [m, members] of [...cohorts.entries()].sort((a, b) => a[0] - b[0])) {
    const startMrr = members.reduce((s, c) => s + (c.mrr[m] ?? 0), 0);
    for (let k = 0; m + k <= current; k++) {
      const retained = members.filter((c) => (c.mrr[m + k] ?? 0) > 0);
      const retainedMrr = retained.reduce((s, c) => s + (c.mrr[m + k] ?? 0), 0);
      table('marts.cohort_retention').push({
        cohort_month: day(monthStart(m)),
        months_since_first_paid: k,
        cohort_customers: members.length,
        retained_customers: retained.length,
        retained_mrr: money(retainedMrr),
        customer_retention_rate: retained.length / members.length,
        mrr_retention_rate: startMrr === 0 ? null : retainedMrr / startMrr,
      });
    }
  }

  // The pipeline now, and stage changes month by month.
  STAGES.forEach((stage, order) => {
    const members = customers.filter((c) => stages.get(c) === stage);
    table('marts.lifecycle_pipeline').push({
      stage,
      stage_order: order + 1,
      customers: members.length,
      mrr: money(members.reduce((s, c) => s + (c.mrr[current] ?? 0), 0)),
    });
  });
  const monthlyStage = (c: Customer, m: number): string | null => {
    if (ctx.monthOf(c.createdAt) > m) return null;
    const value = c.mrr[m] ?? 0;
    const hadBefore = c.mrr.slice(0, m).some((v) => (v ?? 0) > 0);
    if (value > 0) {
      if (c.firstPaidAt !== null && ctx.monthOf(c.firstPaidAt) === m) return 'activated';
      return value > c.initialMrr ? 'expanded' : 'paying';
    }
    if (hadBefore) return 'churned';
    if (c.subscriptions[0]?.trialEnd && ctx.monthOf(c.subscriptions[0].trialEnd) >= m) return 'trial';
    return 'prospect';
  };
  for (let m = Math.max(1, current - 11); m <= current; m++) {
    const counts = new Map<string, number>();
    for (const c of customers) {
      const from = monthlyStage(c, m - 1);
      const to = m === current ? stages.get(c)! : monthlyStage(c, m);
      if (from === null || to === null || from === to) continue;
      counts.set(`${from}>${to}`, (counts.get(`${from}>${to}`) ?? 0) + 1);
    }
    for (const [key, count] of counts) {
      const [from, to] = key.split('>');
      table('marts.lifecycle_movements').push({ month: day(monthStart(m)), from_stage: from, to_stage: to, customers: count });
    }
  }
  void now;
}

function renderCrm(customers: Customer[], records: { system: string; id: string; email: string; customer: Customer; collision: boolean }[], ctx: RenderContext, table: (name: string) => Row[]): void {
  const { random, nowMs: now } = ctx;
  for (const record of records) {
    const matched = record.customer.stripeIds.length > 0;
    table('marts.identity_matches').push({ crm_system: record.system, crm_record_id: record.id, email: record.email, customer_id: record.customer.id, matched });
    table('marts.crm_migration_audit').push({
      category: record.collision ? 'email_collision' : matched ? 'matched' : 'crm_only',
      customer_id: record.customer.id,
      email: record.email,
      crm_system: record.system,
      crm_record_id: record.id,
      stripe_customer_id: record.customer.stripeIds[0] ?? null,
    });
  }
  if (records.length > 0) {
    for (const customer of customers) {
      if (customer.crmIds.length > 0 || customer.stripeIds.length === 0) continue;
      table('marts.crm_migration_audit').push({
        category: 'stripe_only',
        customer_id: customer.id,
        email: customer.email,
        crm_system: null,
        crm_record_id: null,
        stripe_customer_id: customer.stripeIds[0],
      });
    }
  }
  for (const customer of customers) {
    if (customer.crmIds.length === 0) continue;
    const count = random.int(1, 6);
    for (let i = 0; i < count; i++) {
      const kind = i === 0 ? 'note' : random.weighted([
        ['note', 4],
        ['task', 3],
        ['call', 2],
        ['deal', 1],
      ] as const);
      const at = customer.createdAt + Math.floor(random.next() * Math.max(DAY, now - customer.createdAt));
      const subjects: Record<string, () => string> = {
        note: () => `Note: ${faker.company.catchPhrase()}`,
        task: () => `Follow up on ${faker.commerce.productName()}`,
        call: () => `Call with ${customer.name.split(' ')[0]}`,
        deal: () => `${customer.company ?? customer.name} - ${faker.helpers.arrayElement(['annual upgrade', 'new seats', 'renewal'])}`,
      };
      table('marts.crm_activities').push({
        customer_id: customer.id,
        kind,
        occurred_at: new Date(at).toISOString(),
        subject: subjects[kind]!(),
        body: faker.lorem.sentences(random.int(1, 3)),
        amount: kind === 'deal' ? money(random.int(10, 200) * 10000) : null,
        stage: kind === 'deal' ? random.pick(['appointmentscheduled', 'contractsent', 'closedwon', 'closedlost']) : kind === 'task' ? random.pick(['open', 'completed']) : null,
        crm_system: 'hubspot',
      });
    }
  }
}

function renderSignals(customers: Customer[], ctx: RenderContext, table: (name: string) => Row[]): void {
  const { nowMs: now, current } = ctx;
  const push = (customer: Customer, signal: string, at: number, cents: number | null, detail: string): void => {
    table('marts.billing_signals').push({ customer_id: customer.id, signal, occurred_at: new Date(at).toISOString(), amount: cents === null ? null : money(cents), detail });
  };
  for (const customer of customers) {
    const sub = customer.subscriptions[customer.subscriptions.length - 1];
    if (!sub) continue;
    const mrrNow = customer.mrr[current] ?? 0;
    if (sub.status === 'trialing' && sub.trialEnd !== null && sub.trialEnd - now < 7 * DAY) {
      push(customer, 'trial_ending', sub.trialEnd, ctx.subscriptionMrr(sub, customer.currency), `Trial of ${sub.items[0]!.product} ends ${day(sub.trialEnd)}`);
    }
    if (customer.cardExpiring) {
      const end = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth() + 1, 0);
      push(customer, 'card_expiring', end, mrrNow, `Visa ending ${String(1000 + (customer.email.length * 97) % 9000)} expires before the next renewal`);
    }
    if (customer.pastDue) push(customer, 'payment_failed', now - 2 * DAY, mrrNow, 'Your card was declined.');
    if (sub.cancelAtPeriodEnd && sub.cancelAt !== null) push(customer, 'cancellation_scheduled', sub.cancelAt, mrrNow, `Cancels at period end, ${day(sub.cancelAt)}`);
    for (const event of customer.events) {
      if (event.kind === 'expansion' && now - event.at < 7 * DAY) push(customer, 'upgraded', event.at, event.delta, 'Added seats or an add-on');
      if (event.kind === 'contraction' && now - event.at < 7 * DAY) push(customer, 'downgraded', event.at, event.delta, 'Removed seats or an add-on');
      if (event.kind === 'churn' && now - event.at < 30 * DAY && (customer.mrr[current] ?? 0) === 0) push(customer, 'churned', event.at, event.delta, `Canceled: ${event.reason ?? 'no reason given'}`);
    }
  }
}
