import type { CouponRef, DemoAccount, PriceRef, TaxRateRef } from '../account/account.js';
import type { Interval } from '../account/time.js';

/** A SaaS catalog: tiered core plans, a seat-based plan, an add-on, and metered API usage, in several currencies. */
export interface Catalog {
  /** Core plan prices by plan, currency and billing cadence. */
  plans: Record<PlanName, Partial<Record<string, Partial<Record<Cadence, PriceRef>>>>>;
  seats: Partial<Record<string, Partial<Record<Cadence, PriceRef>>>>;
  volumeSeats: PriceRef;
  addon: Partial<Record<string, Partial<Record<Cadence, PriceRef>>>>;
  metered: Partial<Record<string, PriceRef>>;
  coupons: { repeating: CouponRef; forever: CouponRef; once: CouponRef; amountOnce: CouponRef; amountRepeatingEur: CouponRef; partner: CouponRef };
  taxRates: Partial<Record<string, TaxRateRef>>;
  /** A product launched a few weeks before now, with its price and a launch coupon (their events are still listed). */
  launch: { at: number; price: PriceRef; coupon: CouponRef };
}

export type PlanName = 'starter' | 'pro' | 'business';
export type Cadence = 'month' | 'quarter' | 'year' | 'week';

export const CADENCE: Record<Cadence, { interval: Interval; count: number }> = {
  week: { interval: 'week', count: 1 },
  month: { interval: 'month', count: 1 },
  quarter: { interval: 'month', count: 3 },
  year: { interval: 'year', count: 1 },
};

/** Monthly list prices in minor units per currency (jpy is zero-decimal). */
const MONTHLY: Record<PlanName | 'seat' | 'addon', Record<string, number>> = {
  starter: { usd: 1900, eur: 1900, gbp: 1500, jpy: 2800 },
  pro: { usd: 4900, eur: 4500, gbp: 3900, jpy: 7200 },
  business: { usd: 9900, eur: 8900, gbp: 7900, jpy: 14500 },
  seat: { usd: 1200, eur: 1100, gbp: 900, jpy: 1800 },
  addon: { usd: 2900, eur: 2700, gbp: 2300, jpy: 4300 },
};

/** Longer cadences are discounted like real price pages: quarterly ~5%, annual two months free. */
function cadenceAmount(monthly: number, cadence: Cadence, currency: string): number {
  const factor = cadence === 'week' ? 12 / 52 : cadence === 'quarter' ? 3 * 0.95 : cadence === 'year' ? 10 : 1;
  const raw = monthly * factor;
  return currency === 'jpy' ? Math.round(raw / 10) * 10 : Math.round(raw / 100) * 100 - (cadence === 'week' ? 1 : 0);
}

export function buildCatalog(account: DemoAccount, currencies: string[], launchAt: number): Catalog {
  const starter = account.product({ name: 'Starter', description: 'For individuals getting started.' });
  const pro = account.product({ name: 'Pro', description: 'For growing teams.' });
  const business = account.product({ name: 'Business', description: 'For companies that need more.' });
  const team = account.product({ name: 'Team Seats', description: 'Per-seat plan for teams.', unitLabel: 'seat' });
  const enterprise = account.product({ name: 'Enterprise Seats', description: 'Volume-priced seats.', unitLabel: 'seat' });
  const support = account.product({ name: 'Priority Support', description: 'Add-on: a four-hour response time.' });
  const api = account.product({ name: 'API Requests', description: 'Metered API usage beyond the included 1,000 requests.', unitLabel: 'request' });

  const plans: Catalog['plans'] = { starter: {}, pro: {}, business: {} };
  const seats: Catalog['seats'] = {};
  const addon: Catalog['addon'] = {};
  const metered: Catalog['metered'] = {};
  const cadences: Cadence[] = ['month', 'quarter', 'year'];
  for (const currency of currencies) {
    for (const [name, product] of [['starter', starter], ['pro', pro], ['business', business]] as const) {
      const byCadence: Partial<Record<Cadence, PriceRef>> = {};
      for (const cadence of cadences) {
        const { interval, count } = CADENCE[cadence];
        byCadence[cadence] = account.price({ product, currency, unitAmount: cadenceAmount(MONTHLY[name][currency]!, cadence, currency), interval, intervalCount: count, nickname: `${name} ${cadence}ly ${currency}`, lookupKey: `${name}_${cadence}_${currency}` });
      }
      plans[name][currency] = byCadence;
    }
    seats[currency] = {
      month: account.price({ product: team, currency, unitAmount: MONTHLY.seat[currency]!, interval: 'month', nickname: `seat monthly ${currency}` }),
      year: account.price({ product: team, currency, unitAmount: cadenceAmount(MONTHLY.seat[currency]!, 'year', currency), interval: 'year', nickname: `seat yearly ${currency}` }),
    };
    addon[currency] = {
      month: account.price({ product: support, currency, unitAmount: MONTHLY.addon[currency]!, interval: 'month', nickname: `support monthly ${currency}` }),
      year: account.price({ product: support, currency, unitAmount: cadenceAmount(MONTHLY.addon[currency]!, 'year', currency), interval: 'year', nickname: `support yearly ${currency}` }),
    };
    metered[currency] = account.price({
      product: api,
      currency,
      interval: 'month',
      usageType: 'metered',
      tiers: { mode: 'graduated', tiers: [{ upTo: 1000, unitAmount: 0 }, { upTo: null, unitAmount: currency === 'jpy' ? 1 : 1 }] },
      nickname: `api usage ${currency}`,
    });
  }
  // A weekly plan, for the few customers who pay by the week.
  plans.starter['usd']!.week = account.price({ product: starter, currency: 'usd', unitAmount: cadenceAmount(MONTHLY.starter['usd']!, 'week', 'usd'), interval: 'week', nickname: 'starter weekly usd', lookupKey: 'starter_week_usd' });
  const volumeSeats = account.price({
    product: enterprise,
    currency: 'usd',
    interval: 'month',
    tiers: { mode: 'volume', tiers: [{ upTo: 10, unitAmount: 1500 }, { upTo: 50, unitAmount: 1200 }, { upTo: null, unitAmount: 900, flatAmount: 5000 }] },
    nickname: 'enterprise seats monthly usd',
  });

  const coupons = {
    repeating: account.coupon({ id: 'LAUNCH20', name: 'Launch: 20% off for 3 months', percentOff: 20, duration: 'repeating', durationInMonths: 3 }),
    forever: account.coupon({ id: 'NONPROFIT30', name: 'Nonprofit: 30% off', percentOff: 30, duration: 'forever' }),
    once: account.coupon({ id: 'WELCOME50', name: 'Welcome: 50% off the first invoice', percentOff: 50, duration: 'once' }),
    amountOnce: account.coupon({ id: 'TENOFF', name: '$10 off once', amountOff: 1000, currency: 'usd', duration: 'once' }),
    amountRepeatingEur: account.coupon({ id: 'EURO5', name: '€5 off for 6 months', amountOff: 500, currency: 'eur', duration: 'repeating', durationInMonths: 6 }),
    partner: account.coupon({ name: 'Partner 15%', percentOff: 15, duration: 'forever' }),
  };
  const taxRates: Catalog['taxRates'] = {
    DE: account.taxRate({ country: 'DE', percentage: 19 }),
    FR: account.taxRate({ country: 'FR', percentage: 20 }),
    NL: account.taxRate({ country: 'NL', percentage: 21 }),
    IE: account.taxRate({ country: 'IE', percentage: 23 }),
    GB: account.taxRate({ country: 'GB', percentage: 20 }),
  };
  const assistant = account.product({ name: 'AI Assistant', description: 'Add-on: drafts replies and summaries.', createdAt: launchAt });
  const launch = {
    at: launchAt,
    price: account.price({ product: assistant, currency: 'usd', unitAmount: 1500, interval: 'month', nickname: 'assistant monthly usd', createdAt: launchAt + 120 }),
    coupon: account.coupon({ id: 'ASSIST25', name: 'AI Assistant launch: 25% off for 2 months', percentOff: 25, duration: 'repeating', durationInMonths: 2, createdAt: launchAt + 300 }),
  };
  return { plans, seats, volumeSeats, addon, metered, coupons, taxRates, launch };
}
