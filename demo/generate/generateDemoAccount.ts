import { UsageError } from '../../errors/index.js';
import { createDemoAccount, type CouponRef, type CustomerRef, type DemoAccount, type ItemSpec, type PriceRef, type SubscriptionRef } from '../account/account.js';
import { Rng } from '../account/random.js';
import { DAY, HOUR, startOfDay, toUnix, type TimeInput } from '../account/time.js';
import { buildCatalog, type Cadence, type Catalog, type PlanName } from './catalog.js';
import { peoplePools, person, type Country, type PeoplePools } from './people.js';

export interface GenerateOptions {
  /** 10 to 200,000. */
  customers: number;
  seed?: number;
  /** The account clock after generation; default the real current time. Pin it for reproducible output. */
  now?: TimeInput;
  /** Called while planning the customers' histories and while simulating them: customers done so far and in all. */
  onProgress?: (phase: 'planning' | 'simulating', done: number, total: number) => void;
}

const COUNTRIES: ReadonlyArray<readonly [Country, number]> = [
  ['US', 50], ['CA', 4], ['AU', 3], ['GB', 11], ['DE', 10], ['FR', 7], ['NL', 4], ['IE', 2], ['JP', 9],
];
const CURRENCY_OF: Record<Country, string> = { US: 'usd', CA: 'usd', AU: 'usd', GB: 'gbp', DE: 'eur', FR: 'eur', NL: 'eur', IE: 'eur', JP: 'jpy' };
const FEEDBACK = ['too_expensive', 'missing_features', 'switched_service', 'unused', 'customer_service', 'too_complex', 'low_quality', 'other'] as const;
const UPGRADE: Record<PlanName, PlanName | null> = { starter: 'pro', pro: 'business', business: null };
const DOWNGRADE: Record<PlanName, PlanName | null> = { starter: null, pro: 'starter', business: 'pro' };

interface Context {
  account: DemoAccount;
  catalog: Catalog;
  pools: PeoplePools;
  seed: number;
  now: number;
  start: number;
  emails: string[];
}

/**
 * A realistic two-year SaaS account: several thousand lines of Stripe history
 * per hundred customers, every billing situation a SaaS meets (see the README
 * of demo/), deterministic from the seed. Same seed and options, same output.
 */
export function generateDemoAccount(options: GenerateOptions): DemoAccount {
  const { customers } = options;
  if (!Number.isInteger(customers) || customers < 10 || customers > 200_000) throw new UsageError(`The number of demo customers must be a whole number from 10 to 200,000 (got ${customers}).`);
  const seed = options.seed ?? 42;
  const now = options.now === undefined ? Math.floor(Date.now() / 1000) : toUnix(options.now, 'the demo account option now');
  const accountCreated = startOfDay(now - 730 * DAY) - 14 * DAY + 9 * HOUR;
  const account = createDemoAccount({ seed, now, accountCreated, businessName: 'Tributary Demo Inc.', email: 'billing@tributary-demo.example' });
  const catalog = buildCatalog(account, ['usd', 'eur', 'gbp', 'jpy'], now - 18 * DAY + 5 * HOUR);
  const context: Context = { account, catalog, pools: peoplePools(seed), seed, now, start: accountCreated + 3 * DAY, emails: [] };
  const progress = options.onProgress;
  const step = Math.max(1, Math.floor(customers / 50));
  for (let i = 0; i < customers; i++) {
    planCustomer(context, i, customers);
    if (progress && i % step === 0) progress('planning', i, customers);
  }
  progress?.('planning', customers, customers);
  account.advanceTo(now, progress && ((done, total) => progress('simulating', done, total)));
  return account;
}

function planCustomer(context: Context, i: number, total: number): void {
  const { account, catalog, pools, now } = context;
  const rng = new Rng(context.seed, 0xc057, i);
  // Signups grow over time: density rises linearly across the two years.
  const span = now - context.start - 2 * HOUR;
  const created = context.start + Math.floor(span * Math.sqrt((i + rng.next()) / total));
  const country = rng.weighted(COUNTRIES);
  const currency = CURRENCY_OF[country];
  const who = person(pools, country, rng, i);

  let email: string | null = who.email;
  if (rng.chance(0.03)) email = null;
  else if (context.emails.length > 5 && rng.chance(0.02)) email = sharedEmail(rng, rng.pick(context.emails.slice(-20)));
  if (email) {
    context.emails.push(email);
    if (context.emails.length > 200) context.emails.splice(0, 100);
  }

  const createdYear = new Date(created * 1000).getUTCFullYear();
  const nowDate = new Date(now * 1000);
  let card: { expMonth: number; expYear: number } | null = { expMonth: rng.between(1, 12), expYear: createdYear + rng.between(1, 5) };
  if (rng.chance(0.04)) {
    // Expiring soon: this month or the next.
    const month = nowDate.getUTCMonth() + rng.between(0, 1);
    card = { expMonth: (month % 12) + 1, expYear: nowDate.getUTCFullYear() + Math.floor(month / 12) };
  }
  const lead = rng.chance(0.1);
  if (rng.chance(0.06) || (lead && rng.chance(0.5))) card = null;

  const eu = country === 'DE' || country === 'FR' || country === 'NL' || country === 'IE' || country === 'GB';
  const taxRate = eu && rng.chance(0.8) ? catalog.taxRates[country] : undefined;
  const customer = account.customer({
    createdAt: created,
    email,
    name: rng.chance(0.97) ? who.name : null,
    description: rng.chance(0.6) ? who.company : null,
    country,
    card,
    ...(taxRate ? { taxRate } : {}),
    metadata: rng.chance(0.3) ? { company: who.company } : {},
  });

  // Cards that expire while the customer stays: most get the card updater's new expiry, some a new card.
  if (card && cardExpiry(card) < now && cardExpiry(card) > created + 30 * DAY) {
    const roll = rng.next();
    const at = cardExpiry(card) - rng.between(5, 25) * DAY;
    if (roll < 0.75) account.updateCard(customer, { at, expMonth: card.expMonth, expYear: card.expYear + 3, replace: false });
    else if (roll < 0.88) account.updateCard(customer, { at, expMonth: rng.between(1, 12), expYear: card.expYear + 4, replace: true });
  }
  if (email && rng.chance(0.02)) account.updateCustomer(customer, { at: created + rng.between(20, 400) * DAY, email: email.replace('@', '+billing@') });

  if (lead) {
    // Leads: a trial that lapses, or nothing at all.
    if (rng.chance(0.5)) {
      const sub = account.subscribe(customer, { at: created + rng.between(60, 3 * DAY), items: [{ price: pickPlan(context, rng, currency, 'month').price }], trialDays: 14, trialEndBehavior: 'cancel' });
      void sub;
    }
    if (rng.chance(0.1)) account.deleteCustomer(customer, { at: created + rng.between(20, 200) * DAY });
    return;
  }

  const startAt = created + (rng.chance(0.7) ? rng.between(30, 1800) : rng.between(1, 20) * DAY);
  const churnedAt = lifecycle(context, rng, customer, currency, startAt, true);
  if (churnedAt !== null) {
    // Reactivations: some churned customers come back later.
    if (rng.chance(0.3)) {
      const back = churnedAt + rng.between(20, 240) * DAY;
      if (back < now) lifecycle(context, rng, customer, currency, back, false);
    } else if (rng.chance(0.08)) {
      account.deleteCustomer(customer, { at: churnedAt + rng.between(5, 120) * DAY });
    }
  }
}

/** Variants of one address that a careless signup form lets through. */
function sharedEmail(rng: Rng, email: string): string {
  const [local, domain] = email.split('@') as [string, string];
  const variants = [
    `${local[0]!.toUpperCase()}${local.slice(1)}@${domain[0]!.toUpperCase()}${domain.slice(1)}`,
    ` ${email}`,
    email.toUpperCase(),
    `${email} `,
  ];
  return rng.pick(variants);
}

function cardExpiry(card: { expMonth: number; expYear: number }): number {
  return Math.floor(Date.UTC(card.expYear, card.expMonth, 1) / 1000);
}

function pickCadence(rng: Rng, currency: string): Cadence {
  const cadence = rng.weighted<Cadence>([['month', 70], ['year', 20], ['quarter', 7], ['week', 3]]);
  return cadence === 'week' && currency !== 'usd' ? 'month' : cadence;
}

function pickPlan(context: Context, rng: Rng, currency: string, cadence: Cadence): { plan: PlanName; price: PriceRef } {
  const plan = rng.weighted<PlanName>([['starter', 45], ['pro', 40], ['business', 15]]);
  const prices = context.catalog.plans[plan][currency]!;
  const price = prices[cadence] ?? context.catalog.plans.starter[currency]![cadence] ?? prices.month!;
  return { plan: prices[cadence] ? plan : 'starter', price };
}

function couponFor(catalog: Catalog, rng: Rng, currency: string): CouponRef {
  const choices: Array<readonly [CouponRef, number]> = [[catalog.coupons.repeating, 35], [catalog.coupons.forever, 10], [catalog.coupons.once, 25], [catalog.coupons.partner, 10]];
  if (currency === 'usd') choices.push([catalog.coupons.amountOnce, 15]);
  if (currency === 'eur') choices.push([catalog.coupons.amountRepeatingEur, 15]);
  return rng.weighted(choices);
}

/**
 * One subscription from start to (maybe) churn, with what happens in between.
 * Returns when it ended for good (null when it is still running at `now`).
 */
function lifecycle(context: Context, rng: Rng, customer: CustomerRef, currency: string, startAt: number, first: boolean): number | null {
  const { account, catalog, now } = context;
  const cadence = pickCadence(rng, currency);
  const seatPlan = cadence !== 'week' && cadence !== 'quarter' && rng.chance(0.18);
  let items: ItemSpec[];
  let plan: PlanName | null = null;
  if (seatPlan) {
    const volume = currency === 'usd' && cadence === 'month' && rng.chance(0.3);
    items = [{ price: volume ? catalog.volumeSeats : catalog.seats[currency]![cadence]!, quantity: volume ? rng.between(5, 80) : rng.between(2, 40) }];
  } else {
    const picked = pickPlan(context, rng, currency, cadence);
    plan = picked.plan;
    items = [{ price: picked.price, quantity: 1 }];
  }
  const addon = catalog.addon[currency]?.[cadence];
  if (addon && rng.chance(0.15)) items.push({ price: addon, quantity: 1 });
  if (cadence === 'month' && rng.chance(0.1)) items.push({ price: catalog.metered[currency]! });
  const launched = startAt > catalog.launch.at + 600 && currency === 'usd' && cadence === 'month';
  if (launched && rng.chance(0.3)) items.push({ price: catalog.launch.price });

  const trial = first && rng.chance(0.3);
  const lapse = trial && rng.chance(0.3);
  const dunning = rng.weighted<'cancel' | 'unpaid' | 'past_due'>([['cancel', 60], ['unpaid', 25], ['past_due', 15]]);
  const sub = account.subscribe(customer, {
    at: startAt,
    items,
    ...(trial ? { trialDays: rng.pick([7, 14, 14, 30]), trialEndBehavior: lapse ? ('cancel' as const) : ('convert' as const) } : {}),
    ...(launched && rng.chance(0.3) ? { coupon: catalog.launch.coupon } : rng.chance(0.15) ? { coupon: couponFor(catalog, rng, currency) } : {}),
    paymentBehavior: !trial && rng.chance(0.02) ? 'fails' : 'succeeds',
    dunning: { exhausted: dunning, invoice: rng.chance(0.7) ? 'uncollectible' : 'open' },
  });
  if (lapse) return startAt + 30 * DAY;

  const billingStart = startAt + (trial ? 30 * DAY : 0);
  // Time to churn: about 3% a month for monthly plans, less for longer commitments.
  const monthlyHazard = cadence === 'year' ? 0.012 : cadence === 'quarter' ? 0.02 : 0.033;
  const lifetime = Math.floor((-Math.log(1 - rng.next()) / monthlyHazard) * 30.4 * DAY);
  const churnAt = billingStart + Math.max(3 * DAY, lifetime);
  const live = (at: number) => at > startAt && at < churnAt;

  if (plan && rng.chance(0.12)) {
    const upgrade = UPGRADE[plan];
    const at = startAt + rng.between(10, 300) * DAY + rng.between(0, DAY);
    if (upgrade && live(at)) {
      const price = catalog.plans[upgrade][currency]![cadence];
      if (price) account.changeItems(sub, { at, items: [{ price, quantity: 1 }, ...items.slice(1)], prorationBehavior: rng.chance(0.6) ? 'create_prorations' : 'always_invoice' });
    }
  } else if (plan && rng.chance(0.06)) {
    const downgrade = DOWNGRADE[plan];
    const at = startAt + rng.between(20, 300) * DAY;
    if (downgrade && live(at)) {
      const price = catalog.plans[downgrade][currency]![cadence];
      if (price) account.changeItems(sub, { at: 'period_end', declaredAt: at, items: [{ price, quantity: 1 }, ...items.slice(1)] });
    }
  } else if (plan && cadence === 'month' && rng.chance(0.04)) {
    const at = startAt + rng.between(40, 200) * DAY + rng.between(0, DAY);
    const annual = catalog.plans[plan][currency]!.year;
    if (annual && live(at)) account.changeItems(sub, { at, items: [{ price: annual, quantity: 1 }], prorationBehavior: 'always_invoice' });
  } else if (seatPlan && rng.chance(0.35)) {
    let quantity = items[0]!.quantity ?? 1;
    let at = startAt;
    for (let change = 0; change < rng.between(1, 3); change++) {
      at += rng.between(15, 120) * DAY + rng.between(0, DAY);
      if (!live(at)) break;
      quantity = Math.max(1, quantity + (rng.chance(0.7) ? rng.between(1, 8) : -rng.between(1, 4)));
      account.changeItems(sub, { at, items: [{ price: items[0]!.price, quantity }, ...items.slice(1)], prorationBehavior: rng.chance(0.7) ? 'create_prorations' : 'always_invoice' });
    }
  }

  if (rng.chance(0.08)) {
    // A card that starts failing: briefly (recovered by a retry) or for good (dunning runs out).
    const from = billingStart + rng.between(20, 400) * DAY;
    const days = rng.chance(0.65) ? rng.between(1, 6) : rng.between(20, 40);
    if (live(from)) account.failPayments(customer, { from, until: from + days * DAY });
  }
  if (rng.chance(0.035)) {
    const at = billingStart + rng.between(3, 300) * DAY + rng.between(0, DAY);
    if (live(at) && at < now) account.refund({ customer }, { at, ...(rng.chance(0.4) ? { amount: refundPart(rng, currency) } : {}), creditNote: rng.chance(0.5) });
  } else if (rng.chance(0.01)) {
    const at = billingStart + rng.between(10, 300) * DAY + rng.between(0, DAY);
    if (live(at) && at < now) account.dispute({ customer }, { at, outcome: rng.weighted([['lost', 50], ['won', 35], ['open', 15]] as const), closeAfterDays: rng.between(30, 75) });
  }

  if (churnAt >= now + 365 * DAY) return null;
  const immediate = rng.chance(0.3);
  const feedback = rng.pick(FEEDBACK);
  account.cancel(sub as SubscriptionRef, { at: churnAt, atPeriodEnd: !immediate, reason: 'cancellation_requested', feedback, ...(rng.chance(0.2) ? { comment: 'We are moving to another tool.' } : {}) });
  const ended = churnAt + (immediate ? 0 : 35 * DAY);
  return ended < now ? ended : null;
}

function refundPart(rng: Rng, currency: string): number {
  return currency === 'jpy' ? rng.between(5, 30) * 100 : rng.between(5, 30) * 100;
}
