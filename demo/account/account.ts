import { UsageError } from '../../errors/index.js';
import { Billing } from './billing/billing.js';
import { isEnded, type CancellationDetails, type DesiredItem } from './billing/rules.js';
import { AccountView, COLLECTIONS } from './collections.js';
import { expandTree, type Json } from './render/context.js';
import type { Kind } from './kinds.js';
import type { Customer, DunningExhausted, Price, Subscription, Tier } from './model.js';
import { checkCurrency } from './money.js';
import { runPayouts, type PayoutState } from './payouts.js';
import { Rng } from './random.js';
import { AccountStore, EVENT_RETENTION } from './store.js';
import { DAY, isoOf, toUnix, type Interval, type TimeInput } from './time.js';

export interface DemoAccountOptions {
  /** Everything random (ids, exchange-rate drift, usage figures) derives from it. */
  seed?: number;
  /** Where `advanceTo()` without an argument takes the clock; default: the real current time. */
  now?: TimeInput;
  /** Settlement currency of the account; default usd. */
  defaultCurrency?: string;
  /** When the Stripe account was opened; default two years before `now`. */
  accountCreated?: TimeInput;
  country?: string;
  businessName?: string;
  email?: string;
}

/** A handle on an object of the account, returned by the scenario methods and accepted by them. */
export class Ref<K extends Kind> {
  constructor(
    readonly kind: K,
    readonly idx: number,
    private readonly store: AccountStore,
  ) {}

  /** The Stripe id (known as soon as the object is declared). */
  get id(): string {
    return this.store.id(this.kind, this.idx);
  }
}

export type ProductRef = Ref<'product'>;
export type PriceRef = Ref<'price'>;
export type CouponRef = Ref<'coupon'>;
export type TaxRateRef = Ref<'tax_rate'>;
export type CustomerRef = Ref<'customer'>;
export type SubscriptionRef = Ref<'subscription'>;

export interface CardOptions {
  expMonth?: number;
  expYear?: number;
  brand?: string;
  last4?: string;
  country?: string;
  funding?: string;
}

export interface ItemSpec {
  price: PriceRef;
  quantity?: number;
}

/** Which successful charge a refund or dispute is about: the customer's latest at that time, or its nth (1 = oldest); `after` counts only charges from that date on. A charge id works too. */
export type ChargeSelector = { customer: CustomerRef; nth?: number; after?: TimeInput } | string;

const BRANDS = ['visa', 'mastercard', 'amex'];

/**
 * One simulated Stripe account: declare products, customers and what happens
 * to them, then run the clock with `advanceTo`. Actions are applied in time
 * order together with the billing clock (renewals, retries, trial ends), one
 * customer after another, so declaration order across customers never matters.
 */
export class DemoAccount {
  readonly store: AccountStore;
  private readonly billing: Billing;
  private readonly target: number;
  private readonly announced = new Set<string>();
  private readonly payoutState: PayoutState;
  /** Bumps whenever the clock runs, so views of the account know to rebuild their indexes. */
  version = 0;

  constructor(options: DemoAccountOptions = {}) {
    const target = options.now === undefined ? Math.floor(Date.now() / 1000) : toUnix(options.now, 'the account option now');
    const accountCreated = options.accountCreated === undefined ? target - 730 * DAY : toUnix(options.accountCreated, 'the account option accountCreated');
    if (accountCreated > target) throw new UsageError(`The account option accountCreated (${isoOf(accountCreated)}) is after now (${isoOf(target)}).`);
    this.target = target;
    this.store = new AccountStore({
      seed: options.seed ?? 1,
      accountCreated,
      defaultCurrency: checkCurrency(options.defaultCurrency ?? 'usd', 'the account'),
      country: options.country ?? 'US',
      businessName: options.businessName ?? 'Tributary Demo Inc.',
      email: options.email ?? 'billing@tributary-demo.example',
    });
    this.billing = new Billing(this.store);
    this.payoutState = { lastPaidWeek: -1, buckets: new Map(), counted: 0, pendingPaid: [] };
  }

  /** The account clock, unix seconds. */
  get now(): number {
    return this.store.now;
  }

  get nowIso(): string {
    return isoOf(this.store.now);
  }

  /** Where `advanceTo()` goes by default (the `now` option). */
  get targetNow(): number {
    return this.target;
  }

  get warnings(): readonly string[] {
    return this.billing.warnings;
  }

  private time(input: TimeInput | undefined, what: string, notBefore?: number): number {
    if (input === undefined) {
      if (!this.store.started) throw new UsageError(`The time of ${what} is required before the clock has run (pass at: '2025-01-10' or similar).`);
      return this.store.now;
    }
    const at = toUnix(input, what);
    if (this.store.started && at < this.store.now) throw new UsageError(`The time of ${what} (${isoOf(at)}) is before the account clock (${this.nowIso}); live changes happen at or after it.`);
    if (notBefore !== undefined && at < notBefore) throw new UsageError(`The time of ${what} (${isoOf(at)}) is before ${isoOf(notBefore)}, when its object was created.`);
    return at;
  }

  private customerOf(ref: CustomerRef, what: string): Customer {
    const customer = this.store.customers[ref.idx];
    if (!customer || ref.kind !== 'customer') throw new UsageError(`${what} needs a customer of this account.`);
    return customer;
  }

  private subscriptionOf(ref: SubscriptionRef, what: string): Subscription {
    const sub = this.store.subscriptions[ref.idx];
    if (!sub || ref.kind !== 'subscription') throw new UsageError(`${what} needs a subscription of this account.`);
    return sub;
  }

  private priceOf(ref: PriceRef, what: string): Price {
    const price = this.store.prices[ref.idx];
    if (!price || ref.kind !== 'price') throw new UsageError(`${what} needs a price of this account.`);
    return price;
  }

  // ---- catalog ------------------------------------------------------------------

  /** Catalog objects default to the account's first hours, or to the clock once it runs. */
  private catalogDefault(offset: number): number {
    return this.store.started ? this.store.now : this.store.settings.accountCreated + offset;
  }

  product(options: { name: string; description?: string; unitLabel?: string; createdAt?: TimeInput; metadata?: Record<string, string> }): ProductRef {
    const store = this.store;
    const idx = store.products.length;
    const created = options.createdAt === undefined ? this.catalogDefault(3600 + idx * 97) : this.time(options.createdAt, `product ${options.name}`);
    store.products.push({ idx, created, name: options.name, description: options.description ?? null, unitLabel: options.unitLabel ?? null, metadata: options.metadata ?? {}, defaultPrice: -1 });
    return new Ref('product', idx, store);
  }

  price(options: {
    product: ProductRef;
    currency?: string;
    unitAmount?: number;
    /** Omit for a one-time price. */
    interval?: Interval;
    intervalCount?: number;
    usageType?: 'licensed' | 'metered';
    tiers?: { mode: 'volume' | 'graduated'; tiers: Array<{ upTo: number | null; unitAmount?: number; flatAmount?: number }> };
    nickname?: string;
    lookupKey?: string;
    active?: boolean;
    createdAt?: TimeInput;
    metadata?: Record<string, string>;
  }): PriceRef {
    const store = this.store;
    const product = store.products[options.product.idx];
    if (!product) throw new UsageError('A price needs a product of this account.');
    const idx = store.prices.length;
    const what = `the price #${idx + 1} of ${product.name}`;
    if (options.tiers === undefined && options.unitAmount === undefined) throw new UsageError(`${what} needs unitAmount or tiers.`);
    if (options.unitAmount !== undefined && (!Number.isInteger(options.unitAmount) || options.unitAmount < 0)) throw new UsageError(`The unitAmount of ${what} must be a whole number of minor units (got ${options.unitAmount}).`);
    const intervalCount = options.intervalCount ?? 1;
    if (!Number.isInteger(intervalCount) || intervalCount < 1) throw new UsageError(`The intervalCount of ${what} must be a positive whole number (got ${intervalCount}).`);
    let tiers: Tier[] | null = null;
    if (options.tiers) {
      tiers = options.tiers.tiers.map((t) => ({ upTo: t.upTo, unitAmount: t.unitAmount ?? 0, flatAmount: t.flatAmount ?? 0 }));
      if (tiers.length === 0 || tiers[tiers.length - 1]!.upTo !== null) throw new UsageError(`The tiers of ${what} must end with a tier whose upTo is null.`);
    }
    const created = options.createdAt === undefined ? Math.max(product.created + 60, this.catalogDefault(7200 + idx * 61)) : this.time(options.createdAt, what);
    store.prices.push({
      idx,
      created,
      product: product.idx,
      currency: checkCurrency(options.currency ?? store.settings.defaultCurrency, what),
      unitAmount: tiers ? null : options.unitAmount!,
      recurring: options.interval ? { interval: options.interval, intervalCount, usageType: options.usageType ?? 'licensed' } : null,
      tiersMode: tiers ? options.tiers!.mode : null,
      tiers,
      nickname: options.nickname ?? null,
      lookupKey: options.lookupKey ?? null,
      active: options.active ?? true,
      metadata: options.metadata ?? {},
    });
    if (product.defaultPrice < 0) product.defaultPrice = idx;
    return new Ref('price', idx, store);
  }

  coupon(options: {
    percentOff?: number;
    amountOff?: number;
    currency?: string;
    duration: 'forever' | 'once' | 'repeating';
    durationInMonths?: number;
    name?: string;
    id?: string;
    maxRedemptions?: number;
    redeemBy?: TimeInput;
    createdAt?: TimeInput;
    metadata?: Record<string, string>;
  }): CouponRef {
    const store = this.store;
    const idx = store.coupons.length;
    const what = `coupon ${options.id ?? `#${idx + 1}`}`;
    if ((options.percentOff === undefined) === (options.amountOff === undefined)) throw new UsageError(`The ${what} needs exactly one of percentOff and amountOff.`);
    if (options.duration === 'repeating' && !options.durationInMonths) throw new UsageError(`The ${what} is repeating and needs durationInMonths.`);
    const id = options.id ?? store.ids.coupon(idx);
    if (store.couponById.has(id)) throw new UsageError(`A coupon with id ${id} already exists.`);
    const created = options.createdAt === undefined ? this.catalogDefault(10_800 + idx * 53) : this.time(options.createdAt, what);
    const name = options.name ?? (options.percentOff !== undefined ? `${options.percentOff}% off` : `${options.amountOff} off`);
    store.coupons.push({
      idx,
      id,
      created,
      name,
      percentOff: options.percentOff ?? null,
      amountOff: options.amountOff ?? null,
      currency: options.amountOff !== undefined ? checkCurrency(options.currency ?? store.settings.defaultCurrency, what) : null,
      duration: options.duration,
      durationInMonths: options.duration === 'repeating' ? options.durationInMonths! : null,
      maxRedemptions: options.maxRedemptions ?? null,
      redeemBy: options.redeemBy === undefined ? 0 : toUnix(options.redeemBy, `the redeemBy of ${what}`),
      redemptions: [],
      redemptionsSorted: true,
      metadata: options.metadata ?? {},
    });
    store.couponById.set(id, idx);
    return new Ref('coupon', idx, store);
  }

  taxRate(options: { country: string; percentage: number; displayName?: string; createdAt?: TimeInput }): TaxRateRef {
    const store = this.store;
    const idx = store.taxRates.length;
    const created = options.createdAt === undefined ? this.catalogDefault(1800 + idx * 17) : this.time(options.createdAt, `tax rate ${options.country}`);
    store.taxRates.push({ idx, created, country: options.country, percentage: options.percentage, displayName: options.displayName ?? 'VAT', description: `VAT ${options.country}` });
    return new Ref('tax_rate', idx, store);
  }

  // ---- customers ----------------------------------------------------------------

  customer(options: {
    createdAt?: TimeInput;
    email?: string | null;
    name?: string | null;
    phone?: string | null;
    description?: string | null;
    currency?: string;
    /** The default card; `null` for a customer without one. Default: a card valid for four years. */
    card?: CardOptions | null;
    country?: string;
    taxRate?: TaxRateRef;
    metadata?: Record<string, string>;
  }): CustomerRef {
    const store = this.store;
    const idx = store.customers.length;
    const what = `customer ${options.email ?? `#${idx + 1}`}`;
    const created = this.time(options.createdAt, what);
    if (created < store.settings.accountCreated) throw new UsageError(`The ${what} is created (${isoOf(created)}) before the account (${isoOf(store.settings.accountCreated)}).`);
    const customer: Customer = {
      idx,
      created,
      materialized: false,
      invoicePrefix: store.ids.token(0x1f, idx, 8, 'hex'),
      country: options.country ?? null,
      taxRate: options.taxRate ? options.taxRate.idx : -1,
      deletedAt: 0,
      failWindows: [],
      lastCharge: -1,
      subscriptions: [],
      paymentMethods: [],
      queue: [],
      s: {
        email: options.email ?? null,
        name: options.name ?? null,
        phone: options.phone ?? null,
        description: options.description ?? null,
        currency: options.currency ? checkCurrency(options.currency, what) : null,
        defaultPm: -1,
        delinquent: false,
        balance: 0,
        nextInvoiceSequence: 1,
        metadata: options.metadata ?? {},
      },
      history: null,
      version: 0,
    };
    store.customers.push(customer);
    const card = options.card === null ? null : this.card(options.card ?? {}, created, idx, options.country);
    this.billing.schedule(customer, created, (t) => this.billing.createCustomer(customer, t, card));
    return new Ref('customer', idx, store);
  }

  private card(options: CardOptions, at: number, salt: number, country: string | undefined) {
    const rng = new Rng(this.store.settings.seed, 0xca7d, salt, at);
    const year = new Date(at * 1000).getUTCFullYear();
    return {
      expMonth: options.expMonth ?? rng.between(1, 12),
      expYear: options.expYear ?? year + 4,
      brand: options.brand ?? rng.pick(BRANDS),
      last4: options.last4 ?? String(rng.between(0, 9999)).padStart(4, '0'),
      country: options.country ?? country ?? 'US',
      funding: options.funding ?? 'credit',
    };
  }

  updateCard(customerRef: CustomerRef, options: CardOptions & { at?: TimeInput; expMonth: number; expYear: number; replace?: boolean }): void {
    const customer = this.customerOf(customerRef, 'updateCard');
    const at = this.time(options.at, `the card update of ${customerRef.id}`, customer.created);
    const card = this.card(options, at, this.store.paymentMethods.length + customer.idx * 7, customer.country ?? undefined);
    this.billing.schedule(customer, at, (t) => this.billing.updateCard(customer, t, card, options.replace ?? true));
  }

  updateCustomer(customerRef: CustomerRef, options: { at?: TimeInput; email?: string | null; name?: string | null; phone?: string | null; description?: string | null; metadata?: Record<string, string> }): void {
    const customer = this.customerOf(customerRef, 'updateCustomer');
    const at = this.time(options.at, `the update of ${customerRef.id}`, customer.created);
    const { at: _at, ...change } = options;
    this.billing.schedule(customer, at, (t) => this.billing.updateCustomer(customer, t, change));
  }

  deleteCustomer(customerRef: CustomerRef, options: { at?: TimeInput } = {}): void {
    const customer = this.customerOf(customerRef, 'deleteCustomer');
    const at = this.time(options.at, `the deletion of ${customerRef.id}`, customer.created);
    this.billing.schedule(customer, at, (t) => this.billing.deleteCustomer(customer, t));
  }

  /** Payment attempts of this customer in [from, until) fail (card_declined unless another code is given). */
  failPayments(customerRef: CustomerRef, options: { from?: TimeInput; until: TimeInput; code?: 'card_declined' | 'insufficient_funds' }): void {
    const customer = this.customerOf(customerRef, 'failPayments');
    const from = this.time(options.from, `the payment failures of ${customerRef.id}`);
    const until = toUnix(options.until, `the end of the payment failures of ${customerRef.id}`);
    if (until <= from) throw new UsageError(`The payment failures of ${customerRef.id} end (${isoOf(until)}) before they start (${isoOf(from)}).`);
    customer.failWindows.push({ from, until, code: options.code ?? 'card_declined' });
  }

  // ---- subscriptions ------------------------------------------------------------

  private desired(items: ItemSpec[], what: string): DesiredItem[] {
    if (items.length === 0) throw new UsageError(`${what} needs at least one item.`);
    const prices = items.map((item) => this.priceOf(item.price, what));
    const first = prices[0]!;
    for (const price of prices) {
      if (!price.recurring) throw new UsageError(`${what} uses a one-time price (${this.store.id('price', price.idx)}); subscriptions need recurring prices.`);
      if (price.currency !== first.currency) throw new UsageError(`${what} mixes currencies (${first.currency} and ${price.currency}); Stripe bills one currency per subscription.`);
      if (price.recurring.interval !== first.recurring!.interval || price.recurring.intervalCount !== first.recurring!.intervalCount) {
        throw new UsageError(`${what} mixes billing intervals; all items of a subscription share one.`);
      }
    }
    return items.map((item, i) => {
      const quantity = item.quantity ?? 1;
      if (!Number.isInteger(quantity) || quantity < 0) throw new UsageError(`The quantity of item ${i + 1} of ${what} must be a whole number (got ${quantity}).`);
      return { price: prices[i]!.idx, quantity };
    });
  }

  subscribe(
    customerRef: CustomerRef,
    options: {
      at?: TimeInput;
      items: ItemSpec[];
      trialDays?: number;
      /** At trial end: 'convert' bills the card (the default when the customer has one), 'cancel' lets the trial lapse. */
      trialEndBehavior?: 'convert' | 'cancel';
      coupon?: CouponRef;
      /** 'fails': the first payment is declined, the subscription stays incomplete and expires after 23 hours. */
      paymentBehavior?: 'succeeds' | 'fails';
      /** What happens when every retry of a renewal fails: cancel (default), unpaid, or stay past_due; and the invoice: uncollectible (default) or left open. */
      dunning?: { exhausted?: DunningExhausted; invoice?: 'uncollectible' | 'open' };
      metadata?: Record<string, string>;
    },
  ): SubscriptionRef {
    const store = this.store;
    const customer = this.customerOf(customerRef, 'subscribe');
    const idx = store.subscriptions.length;
    const what = `subscription #${idx + 1} of ${customerRef.id}`;
    const at = this.time(options.at, what, customer.created);
    const items = this.desired(options.items, what);
    const first = store.prices[items[0]!.price]!;
    for (const item of items) {
      if (store.prices[item.price]!.created > at) throw new UsageError(`The ${what} starts (${isoOf(at)}) before its price ${store.id('price', item.price)} exists.`);
    }
    const coupon = options.coupon ? options.coupon.idx : -1;
    if (coupon >= 0 && store.coupons[coupon]!.created > at) throw new UsageError(`The ${what} uses coupon ${store.coupons[coupon]!.id} before it exists.`);
    const trialDays = options.trialDays ?? 0;
    if (!Number.isInteger(trialDays) || trialDays < 0) throw new UsageError(`The trialDays of ${what} must be a whole number of days (got ${trialDays}).`);
    const sub: Subscription = {
      idx,
      customer: customer.idx,
      created: at,
      materialized: false,
      currency: first.currency,
      interval: first.recurring!.interval,
      intervalCount: first.recurring!.intervalCount,
      periodIndex: 0,
      trialEndBehavior: options.trialEndBehavior ?? 'convert',
      dunningExhausted: options.dunning?.exhausted ?? 'cancel',
      invoiceAfterDunning: options.dunning?.invoice ?? 'uncollectible',
      pendingItems: [],
      scheduledItems: null,
      generation: 0,
      s: {
        status: 'incomplete',
        items: [],
        periodStart: at,
        periodEnd: at,
        billingCycleAnchor: at,
        trialStart: 0,
        trialEnd: 0,
        cancelAtPeriodEnd: false,
        cancelAt: 0,
        canceledAt: 0,
        endedAt: 0,
        cancellation: { reason: null, feedback: null, comment: null },
        discounts: [],
        latestInvoice: -1,
        defaultPm: -1,
        metadata: options.metadata ?? {},
      },
      history: null,
      version: 0,
    };
    store.subscriptions.push(sub);
    const failFirstPayment = options.paymentBehavior === 'fails';
    this.billing.schedule(customer, at, (t) => this.billing.startSubscription(sub, t, { items, trialDays, coupon, failFirstPayment }));
    return new Ref('subscription', idx, store);
  }

  /**
   * Replaces the subscription's items with `items` (an item whose price stays
   * keeps its id). At a time: prorated per `prorationBehavior` (default
   * create_prorations); at 'period_end': takes effect at the next renewal,
   * without proration.
   */
  changeItems(subRef: SubscriptionRef, options: { at?: TimeInput | 'period_end'; items: ItemSpec[]; prorationBehavior?: 'create_prorations' | 'always_invoice' | 'none'; declaredAt?: TimeInput }): void {
    const sub = this.subscriptionOf(subRef, 'changeItems');
    const customer = this.store.customers[sub.customer]!;
    const what = `the item change of ${subRef.id}`;
    const items = this.desired(options.items, what);
    const proration = options.prorationBehavior ?? 'create_prorations';
    if (options.at === 'period_end') {
      // Scheduled when declared (or at declaredAt), applied at whichever renewal comes next.
      const declared = options.declaredAt !== undefined ? this.time(options.declaredAt, what, sub.created) : this.store.started ? this.store.now : sub.created;
      this.billing.schedule(customer, declared, (t) => this.billing.changeItems(sub, 'period_end', items, proration, t));
      return;
    }
    const at = this.time(options.at, what, sub.created);
    this.billing.schedule(customer, at, (t) => this.billing.changeItems(sub, t, items, proration, t));
  }

  cancel(subRef: SubscriptionRef, options: { at?: TimeInput; atPeriodEnd?: boolean; reason?: string | null; feedback?: string | null; comment?: string | null } = {}): void {
    const sub = this.subscriptionOf(subRef, 'cancel');
    const customer = this.store.customers[sub.customer]!;
    const at = this.time(options.at, `the cancellation of ${subRef.id}`, sub.created);
    const details: CancellationDetails = { reason: options.reason ?? 'cancellation_requested', feedback: options.feedback ?? null, comment: options.comment ?? null };
    this.billing.schedule(customer, at, (t) => this.billing.cancel(sub, t, options.atPeriodEnd ?? false, details));
  }

  // ---- money after the fact -----------------------------------------------------

  private resolveCharge(selector: ChargeSelector, at: number, what: string): { customer: Customer; find: () => number } {
    const store = this.store;
    if (typeof selector === 'string') {
      const charge = store.lookup('charge', selector);
      if (charge === undefined) throw new UsageError(`${what} names ${selector}, which is not a charge of this account.`);
      const customer = store.customers[store.charges.c.customer[charge]!]!;
      return { customer, find: () => charge };
    }
    const customer = this.customerOf(selector.customer, what);
    const after = selector.after === undefined ? undefined : toUnix(selector.after, `the charge selector of ${what}`);
    return { customer, find: () => this.billing.findCharge(customer, at, selector.nth, after) };
  }

  refund(selector: ChargeSelector, options: { at?: TimeInput; amount?: number; reason?: 'requested_by_customer' | 'duplicate' | 'fraudulent' | null; creditNote?: boolean } = {}): void {
    const at = this.time(options.at, 'a refund');
    const { customer, find } = this.resolveCharge(selector, at, 'A refund');
    this.billing.schedule(customer, at, (t) => {
      const charge = find();
      if (charge < 0) this.billing.warn(`No charge to refund for ${this.store.id('customer', customer.idx)} at ${isoOf(t)}.`);
      else this.billing.refund(charge, t, options.amount, options.reason ?? 'requested_by_customer', options.creditNote ?? false);
    });
  }

  dispute(selector: ChargeSelector, options: { at?: TimeInput; outcome?: 'won' | 'lost' | 'open'; closeAfterDays?: number; reason?: string } = {}): void {
    const at = this.time(options.at, 'a dispute');
    const { customer, find } = this.resolveCharge(selector, at, 'A dispute');
    const outcome = options.outcome === 'open' ? null : (options.outcome ?? 'lost');
    this.billing.schedule(customer, at, (t) => {
      const charge = find();
      if (charge < 0) this.billing.warn(`No charge to dispute for ${this.store.id('customer', customer.idx)} at ${isoOf(t)}.`);
      else this.billing.dispute(charge, t, outcome, options.closeAfterDays ?? 45, options.reason ?? 'fraudulent');
    });
  }

  // ---- the clock ----------------------------------------------------------------

  /**
   * Runs the simulation up to `to` (default: the `now` option): every due
   * action and billing step, in time order, customer by customer.
   */
  advanceTo(to?: TimeInput, onProgress?: (done: number, total: number) => void): void {
    const store = this.store;
    const until = to === undefined ? Math.max(this.target, store.now) : toUnix(to, 'advanceTo');
    if (store.started && until < store.now) throw new UsageError(`advanceTo(${isoOf(until)}) would move the account clock back from ${this.nowIso}.`);
    store.horizon = Math.max(store.horizon, until - EVENT_RETENTION - DAY);
    this.announce(until);
    const customers = store.customers;
    const step = Math.max(1, Math.floor(customers.length / 100));
    for (let i = 0; i < customers.length; i++) {
      const customer = customers[i]!;
      if (customer.queue.length > 0) this.billing.runCustomer(customer, until);
      if (onProgress && i % step === 0) onProgress(i, customers.length);
    }
    runPayouts(store, this.billing, this.payoutState, until);
    store.now = until;
    store.started = true;
    this.version++;
    onProgress?.(customers.length, customers.length);
  }

  /** The created events of catalog objects, in time order, once the clock reaches them. */
  private announce(until: number): void {
    const store = this.store;
    const due: Array<[number, 'product' | 'price' | 'coupon', number]> = [];
    for (const kind of ['product', 'price', 'coupon'] as const) {
      const list = kind === 'product' ? store.products : kind === 'price' ? store.prices : store.coupons;
      for (let i = 0; i < list.length; i++) {
        const key = `${kind}:${i}`;
        if (list[i]!.created <= until && !this.announced.has(key)) {
          this.announced.add(key);
          due.push([list[i]!.created, kind, i]);
        }
      }
    }
    due.sort((a, b) => a[0] - b[0] || a[2] - b[2]);
    for (const [created, kind, idx] of due) this.billing.announce(`${kind}.created`, kind, idx, created);
  }

  private view: AccountView | null = null;

  /** The listing view of the account (indexes rebuilt after the clock moves). */
  listing(): AccountView {
    return (this.view ??= new AccountView(this));
  }

  /**
   * Every object of a list as the server lists it (newest first, as of the
   * clock), rendered: `account.objects('invoices')`. Expansions as in a list
   * request without the `data.` prefix.
   */
  objects(list: string, expand: string[] = []): Json[] {
    const view = this.listing();
    const tree = expandTree(expand);
    const out: Json[] = [];
    for (const idx of view.index(list).newestFirst()) out.push(view.render(list, idx, tree));
    return out;
  }

  /** The ids a full read of a list finds, newest first (what an extractor should end up with). */
  ids(list: string): string[] {
    const index = this.listing().index(list);
    const out: string[] = [];
    for (const idx of index.newestFirst()) out.push(this.store.id(index.spec.kind, idx));
    return out;
  }

  /** How many objects each list holds as of the clock. */
  counts(): Record<string, number> {
    const view = this.listing();
    return Object.fromEntries(COLLECTIONS.map((spec) => [spec.name, view.index(spec.name).size]));
  }

  /** One object by id as a retrieve answers it (a deleted customer's stub included), or undefined. */
  retrieve(list: string, id: string, expand: string[] = []): Json | undefined {
    const view = this.listing();
    const idx = view.find(list, id);
    if (idx === undefined) return undefined;
    const spec = view.index(list).spec;
    return spec.renderDeleted?.(view.context(), idx) ?? view.render(list, idx, expandTree(expand));
  }

  /** The handle of an existing object by its Stripe id (for callers that only have ids, like the server's admin routes). */
  ref<K extends Kind>(kind: K, id: string): Ref<K> | undefined {
    const idx = this.store.lookup(kind, id);
    return idx === undefined ? undefined : new Ref(kind, idx, this.store);
  }

  /** True while the subscription bills (not canceled or expired) as of the clock. */
  isLive(subRef: SubscriptionRef): boolean {
    const sub = this.subscriptionOf(subRef, 'isLive');
    return sub.materialized && !isEnded(sub.s.status);
  }
}

export function createDemoAccount(options: DemoAccountOptions = {}): DemoAccount {
  return new DemoAccount(options);
}
