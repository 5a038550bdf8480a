import { UsageError } from '../../errors/index.js';
import { monthIndex } from './time.js';
import { unitHash } from './random.js';

/** Currencies the demo account knows, with a plausible value in US dollars to start their drift from. */
const USD_VALUE: Record<string, number> = {
  usd: 1,
  eur: 1.08,
  gbp: 1.27,
  jpy: 0.0067,
  cad: 0.73,
  aud: 0.66,
  chf: 1.12,
  sek: 0.095,
};

/** Stripe's zero-decimal currencies among ours: amounts are whole units (1000 JPY is `1000`). */
const ZERO_DECIMAL = new Set(['jpy', 'krw', 'vnd', 'clp']);

/** The fixed part of the card fee, in minor units of the settlement currency. */
const FIXED_FEE: Record<string, number> = { usd: 30, eur: 25, gbp: 20, jpy: 50, cad: 30, aud: 30, chf: 30, sek: 300 };

export const CURRENCIES = Object.keys(USD_VALUE);

export function checkCurrency(currency: string, what: string): string {
  const code = currency.toLowerCase();
  if (!(code in USD_VALUE)) throw new UsageError(`The currency of ${what} must be one of ${CURRENCIES.join(', ')} (got ${JSON.stringify(currency)}).`);
  return code;
}

/** Minor units in one major unit: 100 for usd, 1 for jpy. */
export function minorPerMajor(currency: string): number {
  return ZERO_DECIMAL.has(currency) ? 1 : 100;
}

/**
 * Exchange rates that drift month by month, deterministically from the seed: a
 * random walk of about 1.5% a month per currency against the dollar.
 */
export class FxRates {
  private readonly walks = new Map<string, Map<number, number>>();
  private readonly origin: number;

  constructor(
    private readonly seed: number,
    readonly settlement: string,
    originUnix: number,
  ) {
    this.origin = monthIndex(originUnix);
  }

  private usdValue(currency: string, month: number): number {
    if (currency === 'usd') return 1;
    let walk = this.walks.get(currency);
    if (!walk) {
      walk = new Map();
      this.walks.set(currency, walk);
    }
    const cached = walk.get(month);
    if (cached !== undefined) return cached;
    let log = 0;
    const code = currency.charCodeAt(0) * 65536 + currency.charCodeAt(1) * 256 + currency.charCodeAt(2);
    const from = Math.min(month, this.origin);
    const to = Math.max(month, this.origin);
    for (let m = from; m < to; m++) log += (unitHash(this.seed, code, m) - 0.5) * 0.05;
    const value = USD_VALUE[currency]! * Math.exp(month >= this.origin ? log : -log);
    walk.set(month, value);
    return value;
  }

  /**
   * Rate from `currency` to the settlement currency at `unix`, such that an
   * amount in major units times the rate is the settled amount in major units;
   * six significant decimals like Stripe's `exchange_rate`.
   */
  rate(currency: string, unix: number): number {
    const month = monthIndex(unix);
    const raw = this.usdValue(currency, month) / this.usdValue(this.settlement, month);
    return Number(raw.toPrecision(6));
  }

  /** `amount` minor units of `currency` in settlement minor units, and the rate used (null when no conversion). */
  settle(amount: number, currency: string, unix: number): { amount: number; rate: number | null } {
    if (currency === this.settlement) return { amount, rate: null };
    const rate = this.rate(currency, unix);
    const major = amount / minorPerMajor(currency);
    return { amount: Math.round(major * rate * minorPerMajor(this.settlement)), rate };
  }
}

/** Stripe's standard card pricing: 2.9% plus a fixed amount, in the settlement currency. */
export function processingFee(settledAmount: number, settlement: string): number {
  return Math.round(settledAmount * 0.029) + (FIXED_FEE[settlement] ?? 30);
}

/** The dispute fee: 15.00 of the settlement currency (1500 minor units; 1500 for zero-decimal too, as a round figure). */
export function disputeFee(settlement: string): number {
  return settlement === 'jpy' ? 2000 : 1500;
}
