import type { EventType } from './kinds.js';
import {
  type Customer,
  type CustomerState,
  type DunningExhausted,
  type PaymentMethod,
  type Subscription,
  type SubscriptionItemRef,
  type SubscriptionState,
  CHARGE_FAILURES,
  BILLING_REASONS,
  type BillingReason,
  TXN_CATEGORIES,
  TXN_SOURCES,
} from './model.js';
import { disputeFee, processingFee } from './money.js';
import { amountFor, isMetered } from './pricing.js';
import { hash32 } from './random.js';
import { addInterval, cardExpiresAt, DAY, HOUR, type Interval } from './time.js';
import type { AccountStore } from './store.js';

/** Payment attempts of a renewal invoice: the first, then retries 3, 5 and 7 more days later (Stripe's smart-retry style schedule). */
export const RETRY_OFFSETS = [0, 3 * DAY, 8 * DAY, 15 * DAY];
/** An incomplete subscription expires when its first invoice stays unpaid this long. */
export const INCOMPLETE_EXPIRY = 23 * HOUR;
/** Renewal invoices stay drafts this long before they are finalized and charged. */
export const DRAFT_DELAY = HOUR;

export interface LineDraft {
  kind: 'subscription' | 'proration' | 'invoiceitem';
  subscriptionItem: number;
  price: number;
  quantity: number;
  amount: number;
  periodStart: number;
  periodEnd: number;
  invoiceItem: number;
  trial: boolean;
}

export interface DesiredItem {
  price: number;
  quantity: number;
}

export interface CancellationDetails {
  reason: string | null;
  feedback: string | null;
  comment: string | null;
}

export function copySubscriptionState(s: SubscriptionState): SubscriptionState {
  return { ...s, items: s.items.map((item) => ({ ...item })), discounts: [...s.discounts], cancellation: { ...s.cancellation } };
}

const TXN_CATEGORY = Object.fromEntries(TXN_CATEGORIES.map((c, i) => [c, i])) as Record<(typeof TXN_CATEGORIES)[number], number>;
const TXN_SOURCE = Object.fromEntries(TXN_SOURCES.map((c, i) => [c, i])) as Record<(typeof TXN_SOURCES)[number], number>;

/**
 * Stripe's billing rules, applied to the store one customer at a time in time
 * order. Each method is one thing that happens at one instant; follow-ups are
 * scheduled as tasks on the customer's queue.
 */
export class Billing {
  private seq = 0;
  /** Problems met while simulating (an action on a subscription that had already ended, ...). */
  readonly warnings: string[] = [];

  constructor(private readonly store: AccountStore) {}

  warn(message: string): void {
    if (this.warnings.length < 1000) this.warnings.push(message);
  }

  // ---- the per-customer queue -------------------------------------------------

  /** Queues `run` at `at` for `customer` (kept in descending (at, seq) order so the next task pops off the end). */
  schedule(customer: Customer, at: number, run: (at: number) => void): void {
    const task = { at, seq: this.seq++, run };
    const queue = customer.queue;
    let i = queue.length;
    while (i > 0 && queue[i - 1]!.at < at) i--;
    // Equal times keep declaration order: later tasks go before (run after) earlier ones.
    while (i > 0 && queue[i - 1]!.at === at && queue[i - 1]!.seq < task.seq) i--;
    queue.splice(i, 0, task);
  }

  /** Runs every task of `customer` due at or before `until`. */
  runCustomer(customer: Customer, until: number): void {
    const queue = customer.queue;
    while (queue.length > 0 && queue[queue.length - 1]!.at <= until) {
      const task = queue.pop()!;
      task.run(task.at);
    }
  }

  // ---- customers and cards ----------------------------------------------------

  createCustomer(customer: Customer, at: number, card: { expMonth: number; expYear: number; brand: string; last4: string; country: string; funding: string } | null): void {
    customer.materialized = true;
    this.store.emit('customer.created', 'customer', customer.idx, at);
    if (card) {
      const pm = this.attachCard(customer, at, card);
      // Created with its card already the default (as a Checkout signup does): no update event.
      customer.s.defaultPm = pm.idx;
    }
  }

  attachCard(customer: Customer, at: number, card: { expMonth: number; expYear: number; brand: string; last4: string; country: string; funding: string }): PaymentMethod {
    const store = this.store;
    const pm: PaymentMethod = {
      idx: store.paymentMethods.length,
      customer: customer.idx,
      created: at,
      brand: card.brand,
      last4: card.last4,
      country: card.country,
      funding: card.funding,
      s: { expMonth: card.expMonth, expYear: card.expYear },
      history: null,
      version: 0,
    };
    store.paymentMethods.push(pm);
    customer.paymentMethods.push(pm.idx);
    store.emit('payment_method.attached', 'payment_method', pm.idx, at);
    return pm;
  }

  updateCard(customer: Customer, at: number, card: { expMonth: number; expYear: number; brand: string; last4: string; country: string; funding: string }, replace: boolean): void {
    const store = this.store;
    if (!this.customerActive(customer, at, 'update a card')) return;
    const current = customer.s.defaultPm;
    if (!replace && current >= 0) {
      // Stripe's card updater: the same payment method, new expiry.
      const pm = store.paymentMethods[current]!;
      store.mutate(pm, at, (s) => {
        s.expMonth = card.expMonth;
        s.expYear = card.expYear;
      });
      store.emit('payment_method.updated', 'payment_method', pm.idx, at);
      return;
    }
    const pm = this.attachCard(customer, at, card);
    this.mutateCustomer(customer, at, (s) => {
      s.defaultPm = pm.idx;
    });
    store.emit('customer.updated', 'customer', customer.idx, at);
    for (const subIdx of customer.subscriptions) {
      const sub = store.subscriptions[subIdx]!;
      if (!sub.materialized || isEnded(sub.s.status) || sub.s.defaultPm < 0) continue;
      this.mutateSubscription(sub, at, (s) => {
        s.defaultPm = pm.idx;
      });
      store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
    }
  }

  updateCustomer(customer: Customer, at: number, change: Partial<Pick<CustomerState, 'email' | 'name' | 'phone' | 'description' | 'metadata'>>): void {
    if (!this.customerActive(customer, at, 'update the customer')) return;
    this.mutateCustomer(customer, at, (s) => Object.assign(s, change));
    this.store.emit('customer.updated', 'customer', customer.idx, at);
  }

  deleteCustomer(customer: Customer, at: number): void {
    if (!this.customerActive(customer, at, 'delete the customer')) return;
    for (const subIdx of customer.subscriptions) {
      const sub = this.store.subscriptions[subIdx]!;
      if (sub.materialized && !isEnded(sub.s.status)) this.cancelNow(sub, at, { reason: 'cancellation_requested', feedback: null, comment: null });
    }
    customer.deletedAt = at;
    this.store.emit('customer.deleted', 'customer', customer.idx, at);
  }

  private customerActive(customer: Customer, at: number, what: string): boolean {
    if (!customer.materialized || (customer.deletedAt && customer.deletedAt <= at)) {
      this.warn(`Could not ${what} of ${this.store.id('customer', customer.idx)} at ${at}: the customer does not exist then.`);
      return false;
    }
    return true;
  }

  mutateCustomer(customer: Customer, at: number, change: (s: CustomerState) => void): void {
    this.store.mutate(customer, at, change);
  }

  mutateSubscription(sub: Subscription, at: number, change: (s: SubscriptionState) => void): void {
    this.store.mutate(sub, at, change, copySubscriptionState);
  }

  // ---- subscriptions ----------------------------------------------------------

  startSubscription(
    sub: Subscription,
    at: number,
    options: { items: DesiredItem[]; trialDays: number; coupon: number; failFirstPayment: boolean },
  ): void {
    const store = this.store;
    const customer = store.customers[sub.customer]!;
    if (!this.customerActive(customer, at, `start ${store.id('subscription', sub.idx)}`)) return;
    if (customer.s.currency !== null && customer.s.currency !== sub.currency) {
      // Stripe fixes a customer's currency with its first invoice.
      this.warn(`Could not start ${store.id('subscription', sub.idx)}: its currency ${sub.currency} differs from the customer's ${customer.s.currency}.`);
      return;
    }
    sub.materialized = true;
    customer.subscriptions.push(sub.idx);
    if (customer.s.currency === null) this.mutateCustomer(customer, at, (s) => void (s.currency = sub.currency));

    const items: SubscriptionItemRef[] = options.items.map((wanted) => ({ item: this.newItem(sub, wanted.price, at), price: wanted.price, quantity: wanted.quantity }));
    const discounts = options.coupon >= 0 ? [this.newDiscount(options.coupon, customer, sub, at)] : [];
    const trialEnd = options.trialDays > 0 ? at + options.trialDays * DAY : 0;
    const periodEnd = trialEnd || addInterval(at, sub.interval, sub.intervalCount);
    sub.s = {
      status: trialEnd ? 'trialing' : 'incomplete',
      items,
      periodStart: at,
      periodEnd,
      billingCycleAnchor: trialEnd || at,
      trialStart: trialEnd ? at : 0,
      trialEnd,
      cancelAtPeriodEnd: false,
      cancelAt: 0,
      canceledAt: 0,
      endedAt: 0,
      cancellation: { reason: null, feedback: null, comment: null },
      discounts,
      latestInvoice: -1,
      defaultPm: customer.s.defaultPm,
      metadata: sub.s.metadata,
    };
    sub.periodIndex = 0;

    const drafts: LineDraft[] = items.map((ref) => {
      const price = store.prices[ref.price]!;
      const metered = isMetered(price);
      return {
        kind: 'subscription',
        subscriptionItem: ref.item,
        price: ref.price,
        quantity: metered ? 0 : ref.quantity,
        amount: trialEnd || metered ? 0 : amountFor(price, ref.quantity),
        periodStart: at,
        periodEnd,
        invoiceItem: -1,
        trial: trialEnd > 0,
      };
    });
    store.emit('customer.subscription.created', 'subscription', sub.idx, at);
    const invoice = this.createInvoice(customer, sub, at, 'subscription_create', drafts, at + 1, { failFirstPayment: options.failFirstPayment });
    sub.s.latestInvoice = invoice;

    if (trialEnd) {
      if (trialEnd - 3 * DAY > at) this.schedule(customer, trialEnd - 3 * DAY, (t) => this.trialWillEnd(sub, t));
    }
    const generation = sub.generation;
    this.schedule(customer, periodEnd, (t) => this.renew(sub, generation, t));
  }

  private newItem(sub: Subscription, price: number, at: number): number {
    const store = this.store;
    const idx = store.subscriptionItems.length;
    store.subscriptionItems.push({ idx, subscription: sub.idx, price, created: at, deletedAt: 0, metadata: {} });
    return idx;
  }

  private newDiscount(coupon: number, customer: Customer, sub: Subscription, at: number): number {
    const store = this.store;
    const c = store.coupons[coupon]!;
    const idx = store.discounts.length;
    const end = c.duration === 'repeating' ? addInterval(at, 'month', c.durationInMonths ?? 1) : 0;
    store.discounts.push({ idx, coupon, customer: customer.idx, subscription: sub.idx, start: at, end, created: at });
    c.redemptions.push(at);
    c.redemptionsSorted = false;
    if (end) this.schedule(customer, end, (t) => this.endDiscount(sub, idx, t));
    return idx;
  }

  private endDiscount(sub: Subscription, discount: number, at: number): void {
    if (!sub.s.discounts.includes(discount)) return;
    this.mutateSubscription(sub, at, (s) => {
      s.discounts = s.discounts.filter((d) => d !== discount);
    });
    if (!isEnded(sub.s.status)) this.store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
  }

  private trialWillEnd(sub: Subscription, at: number): void {
    if (sub.s.status === 'trialing') this.store.emit('customer.subscription.trial_will_end', 'subscription', sub.idx, at);
  }

  private paymentMethodFor(customer: Customer, sub: Subscription | null): number {
    if (sub && sub.s.defaultPm >= 0) return sub.s.defaultPm;
    return customer.s.defaultPm;
  }

  /** The start of a new period: end the subscription, convert or end a trial, or bill the next period. */
  renew(sub: Subscription, generation: number, at: number): void {
    const store = this.store;
    if (sub.generation !== generation) return;
    const customer = store.customers[sub.customer]!;
    const s = sub.s;
    if (isEnded(s.status) || s.status === 'incomplete') return;
    if (customer.deletedAt && customer.deletedAt <= at) return;

    if (s.cancelAtPeriodEnd && s.cancelAt <= at) {
      this.mutateSubscription(sub, at, (next) => {
        next.status = 'canceled';
        next.endedAt = at;
      });
      store.emit('customer.subscription.deleted', 'subscription', sub.idx, at);
      return;
    }

    const previousStart = s.periodStart;
    let status = s.status;
    let anchor = s.billingCycleAnchor;
    let periodIndex = sub.periodIndex + 1;
    const trialEnding = s.status === 'trialing';
    if (trialEnding) {
      if (sub.trialEndBehavior === 'cancel' || this.paymentMethodFor(customer, sub) < 0) {
        this.mutateSubscription(sub, at, (next) => {
          next.status = 'canceled';
          next.endedAt = at;
          next.canceledAt = at;
          next.cancellation = { reason: 'cancellation_requested', feedback: null, comment: null };
        });
        store.emit('customer.subscription.deleted', 'subscription', sub.idx, at);
        return;
      }
      status = 'active';
      anchor = at;
      periodIndex = 0;
    }

    // A downgrade scheduled for the renewal takes effect now, without proration.
    let items = s.items;
    if (sub.scheduledItems) {
      items = this.reconcileItems(sub, sub.scheduledItems, at).items;
      const first = store.prices[sub.scheduledItems[0]!.price]!.recurring!;
      if (first.interval !== sub.interval || first.intervalCount !== sub.intervalCount) {
        sub.interval = first.interval;
        sub.intervalCount = first.intervalCount;
        anchor = at;
        periodIndex = 0;
      }
      sub.scheduledItems = null;
    }

    const periodEnd = addInterval(anchor, sub.interval, sub.intervalCount * (periodIndex + 1));
    sub.periodIndex = periodIndex;

    const drafts: LineDraft[] = [];
    for (const ref of items) {
      const price = store.prices[ref.price]!;
      if (isMetered(price)) {
        if (trialEnding) continue;
        const usage = this.meteredUsage(ref.item, previousStart);
        drafts.push({ kind: 'subscription', subscriptionItem: ref.item, price: ref.price, quantity: usage, amount: amountFor(price, usage), periodStart: previousStart, periodEnd: at, invoiceItem: -1, trial: false });
      } else {
        drafts.push({ kind: 'subscription', subscriptionItem: ref.item, price: ref.price, quantity: ref.quantity, amount: amountFor(price, ref.quantity), periodStart: at, periodEnd, invoiceItem: -1, trial: false });
      }
    }
    drafts.push(...this.takePendingItems(sub));

    const invoice = this.createInvoice(customer, sub, at, 'subscription_cycle', drafts, at + DRAFT_DELAY, { noAttempts: status === 'unpaid' });
    this.mutateSubscription(sub, at, (next) => {
      next.status = status;
      next.items = items;
      next.periodStart = at;
      next.periodEnd = periodEnd;
      next.billingCycleAnchor = anchor;
      next.latestInvoice = invoice;
    });
    store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
    this.schedule(customer, periodEnd, (t) => this.renew(sub, generation, t));
  }

  /** A made-up but stable usage figure for a metered item's period. */
  private meteredUsage(item: number, periodStart: number): number {
    const h = hash32(this.store.settings.seed, item, periodStart);
    return 200 + (h % 9800);
  }

  private takePendingItems(sub: Subscription): LineDraft[] {
    const ii = this.store.invoiceItems.c;
    const drafts = sub.pendingItems.map((item): LineDraft => ({
      kind: 'proration',
      subscriptionItem: ii.subscriptionItem[item]!,
      price: ii.price[item]!,
      quantity: ii.quantity[item]!,
      amount: ii.amount[item]!,
      periodStart: ii.periodStart[item]!,
      periodEnd: ii.periodEnd[item]!,
      invoiceItem: item,
      trial: false,
    }));
    sub.pendingItems = [];
    return drafts;
  }

  /**
   * The subscription's items after a change to `wanted`: an item whose price
   * stays keeps its id (its quantity may change); a new price is a new item;
   * items not wanted any more are removed.
   */
  private reconcileItems(sub: Subscription, wanted: DesiredItem[], at: number): { items: SubscriptionItemRef[]; removed: SubscriptionItemRef[]; before: Map<number, SubscriptionItemRef> } {
    const store = this.store;
    const current = [...sub.s.items];
    const before = new Map(current.map((ref) => [ref.item, ref]));
    const items: SubscriptionItemRef[] = [];
    for (const want of wanted) {
      const at_ = current.findIndex((ref) => ref.price === want.price);
      if (at_ >= 0) {
        const [kept] = current.splice(at_, 1);
        items.push({ item: kept!.item, price: want.price, quantity: want.quantity });
      } else {
        items.push({ item: this.newItem(sub, want.price, at), price: want.price, quantity: want.quantity });
      }
    }
    for (const gone of current) store.subscriptionItems[gone.item]!.deletedAt = at;
    return { items, removed: current, before };
  }

  changeItems(sub: Subscription, at: number | 'period_end', wanted: DesiredItem[], proration: 'create_prorations' | 'always_invoice' | 'none', declaredAt: number): void {
    const store = this.store;
    const customer = store.customers[sub.customer]!;
    const when = at === 'period_end' ? declaredAt : at;
    if (!sub.materialized || isEnded(sub.s.status) || (customer.deletedAt && customer.deletedAt <= when)) {
      this.warn(`Could not change the items of ${store.id('subscription', sub.idx)} at ${when}: the subscription is not live then.`);
      return;
    }
    if (at === 'period_end') {
      sub.scheduledItems = wanted;
      return;
    }
    const first = store.prices[wanted[0]!.price]!.recurring!;
    const intervalChanged = first.interval !== sub.interval || first.intervalCount !== sub.intervalCount;
    const s = sub.s;
    const { items, removed, before } = this.reconcileItems(sub, wanted, at);

    if (s.status === 'trialing') {
      sub.interval = first.interval;
      sub.intervalCount = first.intervalCount;
      this.mutateSubscription(sub, at, (next) => void (next.items = items));
      store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
      return;
    }

    const fraction = s.periodEnd > s.periodStart ? (s.periodEnd - at) / (s.periodEnd - s.periodStart) : 0;
    const prorations: number[] = [];
    const prorate = proration !== 'none' && fraction > 0;
    if (prorate) {
      // Credits for what stops (removed items, and the old side of changed ones).
      const credited = (ref: SubscriptionItemRef) => {
        const price = store.prices[ref.price]!;
        if (isMetered(price)) return;
        const amount = -Math.round(amountFor(price, ref.quantity) * fraction);
        prorations.push(this.newInvoiceItem(customer, sub, ref.item, ref.price, ref.quantity, amount, at, s.periodEnd, true));
      };
      for (const ref of removed) credited(ref);
      for (const ref of items) {
        const old = before.get(ref.item);
        if (old && old.quantity !== ref.quantity) credited(old);
      }
      if (!intervalChanged) {
        for (const ref of items) {
          const old = before.get(ref.item);
          if (old && old.quantity === ref.quantity) continue;
          const price = store.prices[ref.price]!;
          if (isMetered(price)) continue;
          const amount = Math.round(amountFor(price, ref.quantity) * fraction);
          prorations.push(this.newInvoiceItem(customer, sub, ref.item, ref.price, ref.quantity, amount, at, s.periodEnd, false));
        }
      }
    }

    if (intervalChanged) {
      // A new billing period: the anchor resets to now and the new period is invoiced at once.
      sub.interval = first.interval;
      sub.intervalCount = first.intervalCount;
      sub.periodIndex = 0;
      sub.generation++;
      const periodEnd = addInterval(at, sub.interval, sub.intervalCount);
      const drafts = this.takePendingItems(sub);
      sub.pendingItems = [];
      drafts.unshift(...this.draftsFor(prorations));
      for (const ref of items) {
        const price = store.prices[ref.price]!;
        const metered = isMetered(price);
        drafts.push({ kind: 'subscription', subscriptionItem: ref.item, price: ref.price, quantity: metered ? 0 : ref.quantity, amount: metered ? 0 : amountFor(price, ref.quantity), periodStart: at, periodEnd, invoiceItem: -1, trial: false });
      }
      const invoice = this.createInvoice(customer, sub, at, 'subscription_update', drafts, at + 1, {});
      this.mutateSubscription(sub, at, (next) => {
        next.items = items;
        next.periodStart = at;
        next.periodEnd = periodEnd;
        next.billingCycleAnchor = at;
        next.latestInvoice = invoice;
        if (next.cancelAtPeriodEnd) next.cancelAt = periodEnd;
      });
      store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
      const generation = sub.generation;
      this.schedule(customer, periodEnd, (t) => this.renew(sub, generation, t));
      return;
    }

    let invoice = -1;
    if (proration === 'always_invoice' && prorations.length > 0) {
      sub.pendingItems.push(...prorations);
      invoice = this.createInvoice(customer, sub, at, 'subscription_update', this.takePendingItems(sub), at + 1, {});
    } else {
      sub.pendingItems.push(...prorations);
    }
    this.mutateSubscription(sub, at, (next) => {
      next.items = items;
      if (invoice >= 0) next.latestInvoice = invoice;
    });
    store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
  }

  private draftsFor(invoiceItems: number[]): LineDraft[] {
    const ii = this.store.invoiceItems.c;
    return invoiceItems.map((item) => ({
      kind: 'proration',
      subscriptionItem: ii.subscriptionItem[item]!,
      price: ii.price[item]!,
      quantity: ii.quantity[item]!,
      amount: ii.amount[item]!,
      periodStart: ii.periodStart[item]!,
      periodEnd: ii.periodEnd[item]!,
      invoiceItem: item,
      trial: false,
    }));
  }

  private newInvoiceItem(customer: Customer, sub: Subscription, subscriptionItem: number, price: number, quantity: number, amount: number, at: number, periodEnd: number, credit: boolean): number {
    const store = this.store;
    const ii = store.invoiceItems;
    const row = ii.add();
    const c = ii.c;
    c.customer[row] = customer.idx;
    c.subscription[row] = sub.idx;
    c.subscriptionItem[row] = subscriptionItem;
    c.price[row] = price;
    c.quantity[row] = quantity;
    c.amount[row] = amount;
    c.currency[row] = store.currencyCode(sub.currency);
    c.created[row] = at;
    c.periodStart[row] = at;
    c.periodEnd[row] = periodEnd;
    c.proration[row] = 1;
    c.credit[row] = credit ? 1 : 0;
    store.emit('invoiceitem.created', 'invoiceitem', row, at);
    return row;
  }

  cancel(sub: Subscription, at: number, atPeriodEnd: boolean, details: CancellationDetails): void {
    const store = this.store;
    if (!sub.materialized || isEnded(sub.s.status)) {
      this.warn(`Could not cancel ${store.id('subscription', sub.idx)} at ${at}: the subscription is not live then.`);
      return;
    }
    if (!atPeriodEnd) {
      this.cancelNow(sub, at, details);
      return;
    }
    this.mutateSubscription(sub, at, (next) => {
      next.cancelAtPeriodEnd = true;
      next.cancelAt = next.periodEnd;
      next.canceledAt = at;
      next.cancellation = { ...details };
    });
    store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
  }

  cancelNow(sub: Subscription, at: number, details: CancellationDetails): void {
    sub.generation++;
    this.mutateSubscription(sub, at, (next) => {
      next.status = 'canceled';
      next.canceledAt = at;
      next.endedAt = at;
      next.cancelAtPeriodEnd = false;
      next.cancelAt = 0;
      next.cancellation = { ...details };
    });
    this.store.emit('customer.subscription.deleted', 'subscription', sub.idx, at);
  }

  // ---- invoices and payments --------------------------------------------------

  createInvoice(customer: Customer, sub: Subscription | null, at: number, reason: BillingReason, drafts: LineDraft[], finalizeAt: number, options: { noAttempts?: boolean; failFirstPayment?: boolean }): number {
    const store = this.store;
    const currency = sub ? sub.currency : (customer.s.currency ?? store.settings.defaultCurrency);

    // The discount in force: a subscription's first discount that has started and not ended.
    let discount = -1;
    if (sub) {
      for (const d of sub.s.discounts) {
        const record = store.discounts[d]!;
        const coupon = store.coupons[record.coupon]!;
        if (record.start > at || (record.end && record.end <= at)) continue;
        if (coupon.amountOff !== null && coupon.currency !== currency) continue;
        discount = d;
        break;
      }
    }
    const subtotalPositive = drafts.reduce((sum, d) => sum + Math.max(0, d.amount), 0);
    const coupon = discount >= 0 ? store.coupons[store.discounts[discount]!.coupon]! : null;
    if (coupon && coupon.duration === 'once' && subtotalPositive <= 0) discount = -1;
    const discounts = new Array<number>(drafts.length).fill(0);
    if (discount >= 0 && coupon) {
      if (coupon.percentOff !== null) {
        drafts.forEach((d, i) => (discounts[i] = Math.round((d.amount * coupon.percentOff!) / 100)));
      } else if (coupon.amountOff !== null && subtotalPositive > 0) {
        // amount_off reduces the invoice; each positive line carries its share.
        const total = Math.min(coupon.amountOff, subtotalPositive);
        let given = 0;
        let largest = -1;
        drafts.forEach((d, i) => {
          if (d.amount <= 0) return;
          discounts[i] = Math.floor((total * d.amount) / subtotalPositive);
          given += discounts[i]!;
          if (largest < 0 || d.amount > drafts[largest]!.amount) largest = i;
        });
        if (largest >= 0) discounts[largest]! += total - given;
      }
      if (coupon.duration === 'once' && sub) {
        // A once coupon is used up by this invoice.
        this.mutateSubscription(sub, at, (next) => {
          next.discounts = next.discounts.filter((d) => d !== discount);
        });
      }
    }

    const taxRate = customer.taxRate;
    const percentage = taxRate >= 0 ? store.taxRates[taxRate]!.percentage : 0;

    const invoices = store.invoices;
    const inv = invoices.add();
    const lines = store.lines;
    const lineStart = lines.length;
    let subtotal = 0;
    let discountTotal = 0;
    let taxTotal = 0;
    for (let i = 0; i < drafts.length; i++) {
      const d = drafts[i]!;
      const row = lines.add();
      const l = lines.c;
      l.invoice[row] = inv;
      l.kind[row] = d.kind === 'subscription' ? 0 : d.kind === 'proration' ? 1 : 2;
      l.subscriptionItem[row] = d.subscriptionItem;
      l.price[row] = d.price;
      l.quantity[row] = d.quantity;
      l.amount[row] = d.amount;
      l.periodStart[row] = d.periodStart;
      l.periodEnd[row] = d.periodEnd;
      l.discountAmount[row] = discounts[i]!;
      const tax = percentage ? Math.round(((d.amount - discounts[i]!) * percentage) / 100) : 0;
      l.taxAmount[row] = tax;
      l.invoiceItem[row] = d.invoiceItem;
      l.trial[row] = d.trial ? 1 : 0;
      if (d.invoiceItem >= 0) store.invoiceItems.c.invoice[d.invoiceItem] = inv;
      subtotal += d.amount;
      discountTotal += discounts[i]!;
      taxTotal += tax;
    }
    const total = subtotal - discountTotal + taxTotal;
    const startingBalance = customer.s.balance;
    const afterBalance = total + startingBalance;
    const amountDue = Math.max(0, afterBalance);
    const endingBalance = Math.min(0, afterBalance);
    if (endingBalance !== startingBalance) this.mutateCustomer(customer, at, (s) => void (s.balance = endingBalance));

    const c = invoices.c;
    c.customer[inv] = customer.idx;
    c.subscription[inv] = sub ? sub.idx : -1;
    c.currency[inv] = store.currencyCode(currency);
    c.created[inv] = at;
    // Stripe's invoice period: the prior period for renewals (when pending items accrued), the creation instant otherwise.
    c.periodStart[inv] = reason === 'subscription_cycle' && sub ? sub.s.periodStart : at;
    c.periodEnd[inv] = at;
    c.billingReason[inv] = BILLING_REASONS.indexOf(reason);
    c.lineStart[inv] = lineStart;
    c.lineCount[inv] = drafts.length;
    c.subtotal[inv] = subtotal;
    c.discountTotal[inv] = discountTotal;
    c.taxTotal[inv] = taxTotal;
    c.total[inv] = total;
    c.startingBalance[inv] = startingBalance;
    c.amountDue[inv] = amountDue;
    c.discount[inv] = discount;
    c.taxRate[inv] = taxRate;
    c.noAttempts[inv] = options.noAttempts ? 1 : 0;
    if (sub) c.previousOfSubscription[inv] = sub.s.latestInvoice;

    store.emit('invoice.created', 'invoice', inv, at);
    this.schedule(customer, finalizeAt, (t) => this.finalize(customer, sub, inv, t, options.failFirstPayment ?? false));
    return inv;
  }

  private finalize(customer: Customer, sub: Subscription | null, inv: number, at: number, failFirstPayment: boolean): void {
    const store = this.store;
    const c = store.invoices.c;
    if (c.voidedAt[inv]) return;
    c.finalizedAt[inv] = at;
    c.numberSeq[inv] = customer.s.nextInvoiceSequence;
    this.mutateCustomer(customer, at, (s) => void (s.nextInvoiceSequence += 1));
    store.emit('invoice.finalized', 'invoice', inv, at);
    if (c.amountDue[inv] === 0) {
      this.markPaid(customer, sub, inv, at + 1);
      return;
    }
    if (c.noAttempts[inv]) return;
    this.schedule(customer, at + 1, (t) => this.attempt(customer, sub, inv, 0, t, failFirstPayment));
  }

  private markPaid(customer: Customer, sub: Subscription | null, inv: number, at: number): void {
    const store = this.store;
    store.invoices.c.paidAt[inv] = at;
    store.invoices.c.nextAttemptAt[inv] = 0;
    store.emit('invoice.paid', 'invoice', inv, at);
    store.emit('invoice.payment_succeeded', 'invoice', inv, at);
    if (sub && !isEnded(sub.s.status)) {
      const recovering = sub.s.status === 'incomplete' || sub.s.status === 'past_due' || sub.s.status === 'unpaid';
      if (recovering && !this.hasFailingInvoice(sub, inv)) {
        this.mutateSubscription(sub, at, (next) => void (next.status = 'active'));
        store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
      }
    }
    if (customer.s.delinquent && !this.customerHasFailingInvoice(customer)) {
      this.mutateCustomer(customer, at, (s) => void (s.delinquent = false));
      store.emit('customer.updated', 'customer', customer.idx, at);
    }
  }

  /** Another open invoice of the subscription with failed attempts (so it stays past_due). */
  private hasFailingInvoice(sub: Subscription, except: number): boolean {
    const c = this.store.invoices.c;
    for (let inv = sub.s.latestInvoice; inv >= 0; inv = c.previousOfSubscription[inv]!) {
      if (inv !== except && isOpenFailing(c, inv)) return true;
    }
    return false;
  }

  private customerHasFailingInvoice(customer: Customer): boolean {
    return customer.subscriptions.some((idx) => this.hasFailingInvoice(this.store.subscriptions[idx]!, -1));
  }

  private failureFor(customer: Customer, pm: number, at: number, forced: boolean): string {
    if (forced) return 'card_declined';
    if (pm >= 0) {
      const card = this.store.paymentMethods[pm]!.s;
      if (cardExpiresAt(card.expMonth, card.expYear) <= at) return 'expired_card';
    }
    for (const window of customer.failWindows) if (at >= window.from && at < window.until) return window.code;
    return '';
  }

  attempt(customer: Customer, sub: Subscription | null, inv: number, attempt: number, at: number, failFirstPayment: boolean): void {
    const store = this.store;
    const c = store.invoices.c;
    if (c.paidAt[inv] || c.voidedAt[inv] || c.uncollectibleAt[inv]) return;
    if ((customer.deletedAt && customer.deletedAt <= at) || (attempt > 0 && sub && isEnded(sub.s.status))) {
      // Nobody left to charge: the invoice stays open with no attempt planned.
      c.nextAttemptAt[inv] = 0;
      return;
    }
    const pm = this.paymentMethodFor(customer, sub);
    const failure = pm < 0 ? 'no_payment_method' : this.failureFor(customer, pm, at, attempt === 0 && failFirstPayment);
    c.attempts[inv] = attempt + 1;
    const amount = c.amountDue[inv]!;
    const currency = store.currencyOf(c.currency[inv]!);

    let charge = -1;
    if (pm >= 0) charge = this.newCharge(customer, inv, amount, currency, at, pm, failure);
    if (!failure) {
      store.emit('charge.succeeded', 'charge', charge, at);
      this.markPaid(customer, sub, inv, at);
      return;
    }
    if (charge >= 0) store.emit('charge.failed', 'charge', charge, at);
    store.emit('invoice.payment_failed', 'invoice', inv, at);

    const reason = BILLING_REASONS[c.billingReason[inv]!];
    if (reason === 'subscription_create' && sub && sub.s.status === 'incomplete') {
      // No retries for a first payment: the subscription expires unless paid within 23 hours.
      c.nextAttemptAt[inv] = 0;
      this.schedule(customer, c.created[inv]! + INCOMPLETE_EXPIRY, (t) => this.expireIncomplete(sub, inv, t));
      return;
    }
    if (!customer.s.delinquent) {
      this.mutateCustomer(customer, at, (s) => void (s.delinquent = true));
      store.emit('customer.updated', 'customer', customer.idx, at);
    }
    if (sub && sub.s.status === 'active') {
      this.mutateSubscription(sub, at, (next) => void (next.status = 'past_due'));
      store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
    }
    const first = at - RETRY_OFFSETS[attempt]!;
    if (attempt + 1 < RETRY_OFFSETS.length) {
      const next = first + RETRY_OFFSETS[attempt + 1]!;
      c.nextAttemptAt[inv] = next;
      this.schedule(customer, next, (t) => this.attempt(customer, sub, inv, attempt + 1, t, false));
      return;
    }
    c.nextAttemptAt[inv] = 0;
    if (sub && !isEnded(sub.s.status)) this.exhaustDunning(sub, sub.dunningExhausted, at);
    if (sub?.invoiceAfterDunning !== 'open') {
      c.uncollectibleAt[inv] = at + 1;
      store.emit('invoice.marked_uncollectible', 'invoice', inv, at + 1);
      // Stripe clears `delinquent` when an invoice is marked uncollectible.
      if (customer.s.delinquent && !this.customerHasFailingInvoice(customer)) {
        this.mutateCustomer(customer, at + 1, (s) => void (s.delinquent = false));
        store.emit('customer.updated', 'customer', customer.idx, at + 1);
      }
    }
  }

  private exhaustDunning(sub: Subscription, outcome: DunningExhausted, at: number): void {
    if (outcome === 'cancel') {
      this.cancelNow(sub, at, { reason: 'payment_failed', feedback: null, comment: null });
    } else if (outcome === 'unpaid') {
      this.mutateSubscription(sub, at, (next) => void (next.status = 'unpaid'));
      this.store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
    }
  }

  private expireIncomplete(sub: Subscription, inv: number, at: number): void {
    const store = this.store;
    if (sub.s.status !== 'incomplete') return;
    sub.generation++;
    this.mutateSubscription(sub, at, (next) => {
      next.status = 'incomplete_expired';
      next.endedAt = at;
    });
    store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
    const c = store.invoices.c;
    if (!c.paidAt[inv]) {
      c.voidedAt[inv] = at + 1;
      store.emit('invoice.voided', 'invoice', inv, at + 1);
    }
  }

  private newCharge(customer: Customer, inv: number, amount: number, currency: string, at: number, pm: number, failure: string): number {
    const store = this.store;
    const charges = store.charges;
    const row = charges.add();
    const c = charges.c;
    c.customer[row] = customer.idx;
    c.invoice[row] = inv;
    c.amount[row] = amount;
    c.currency[row] = store.currencyCode(currency);
    c.created[row] = at;
    c.succeeded[row] = failure ? 0 : 1;
    c.failureCode[row] = failure ? Math.max(1, CHARGE_FAILURES.indexOf(failure as (typeof CHARGE_FAILURES)[number])) : 0;
    c.paymentMethod[row] = pm;
    c.previousOfCustomer[row] = customer.lastCharge;
    customer.lastCharge = row;
    if (!failure) {
      const settled = store.fx.settle(amount, currency, at);
      c.balanceTransaction[row] = this.newTransaction('charge', 'charge', row, settled.amount, processingFee(settled.amount, store.settings.defaultCurrency), settled.rate, at);
    }
    return row;
  }

  newTransaction(category: (typeof TXN_CATEGORIES)[number], sourceKind: (typeof TXN_SOURCES)[number], source: number, amount: number, fee: number, rate: number | null, at: number): number {
    const txns = this.store.balanceTransactions;
    const row = txns.add();
    const c = txns.c;
    c.category[row] = TXN_CATEGORY[category];
    c.sourceKind[row] = TXN_SOURCE[sourceKind];
    c.source[row] = source;
    c.amount[row] = amount;
    c.fee[row] = fee;
    c.exchangeRate[row] = rate ?? 0;
    c.created[row] = at;
    return row;
  }

  // ---- refunds, disputes, credit notes ----------------------------------------

  /** The customer's successful charge a selector means: the nth (1-based, oldest first) or the latest at `at`. */
  findCharge(customer: Customer, at: number, nth: number | undefined, after: number | undefined): number {
    const c = this.store.charges.c;
    const found: number[] = [];
    for (let ch = customer.lastCharge; ch >= 0; ch = c.previousOfCustomer[ch]!) {
      if (!c.succeeded[ch] || c.created[ch]! > at) continue;
      if (after !== undefined && c.created[ch]! < after) continue;
      found.push(ch);
    }
    if (found.length === 0) return -1;
    if (nth === undefined) return found[0]!;
    return found[found.length - nth] ?? -1;
  }

  refund(charge: number, at: number, amount: number | undefined, reason: string | null, creditNote: boolean): void {
    const store = this.store;
    const c = store.charges.c;
    const already = (store.refundsByCharge.get(charge) ?? []).reduce((sum, r) => sum + store.refunds[r]!.amount, 0);
    const remaining = c.amount[charge]! - already;
    const value = Math.min(amount ?? remaining, remaining);
    if (value <= 0 || store.disputeByCharge.has(charge)) {
      this.warn(`Could not refund ${store.id('charge', charge)} at ${at}: nothing left to refund.`);
      return;
    }
    const currency = store.currencyOf(c.currency[charge]!);
    const idx = store.refunds.length;
    const settled = store.fx.settle(value, currency, at);
    const txn = this.newTransaction('refund', 'refund', idx, -settled.amount, 0, settled.rate, at);
    store.refunds.push({ idx, charge, amount: value, created: at, succeededAt: at + 5 * 60, reason, balanceTransaction: txn, creditNote: -1 });
    const list = store.refundsByCharge.get(charge);
    if (list) list.push(idx);
    else store.refundsByCharge.set(charge, [idx]);
    c.refunded[charge] = 1;
    store.emit('charge.refunded', 'charge', charge, at);
    const customer = store.customers[c.customer[charge]!]!;
    this.schedule(customer, at + 5 * 60, (t) => store.emit('charge.refund.updated', 'refund', idx, t));

    const inv = c.invoice[charge]!;
    if (creditNote && inv >= 0 && store.invoices.c.creditNote[inv] === -1) {
      const cn = store.creditNotes.length;
      const number = `${customer.invoicePrefix}-${String(store.invoices.c.numberSeq[inv]).padStart(4, '0')}-CN-01`;
      store.creditNotes.push({ idx: cn, invoice: inv, customer: customer.idx, amount: value, created: at, refund: idx, reason: reason === 'requested_by_customer' ? 'order_change' : 'product_unsatisfactory', number });
      store.refunds[idx]!.creditNote = cn;
      store.invoices.c.creditNote[inv] = cn;
      store.emit('credit_note.created', 'credit_note', cn, at);
    }
  }

  dispute(charge: number, at: number, outcome: 'won' | 'lost' | null, closeAfterDays: number, reason: string): void {
    const store = this.store;
    const c = store.charges.c;
    if (store.disputeByCharge.has(charge) || store.refundsByCharge.has(charge)) {
      this.warn(`Could not dispute ${store.id('charge', charge)} at ${at}: it is already refunded or disputed.`);
      return;
    }
    const currency = store.currencyOf(c.currency[charge]!);
    const amount = c.amount[charge]!;
    const idx = store.disputes.length;
    const settled = store.fx.settle(amount, currency, at);
    const fee = disputeFee(store.settings.defaultCurrency);
    const txn = this.newTransaction('dispute', 'dispute', idx, -settled.amount, fee, settled.rate, at);
    const closesAt = at + closeAfterDays * DAY;
    store.disputes.push({ idx, charge, amount, created: at, reason, closedAt: 0, outcome: null, closesAt: outcome ? closesAt : 0, plannedOutcome: outcome, balanceTransactions: [txn] });
    store.disputeByCharge.set(charge, idx);
    c.disputed[charge] = 1;
    store.emit('charge.dispute.created', 'dispute', idx, at);
    if (outcome) {
      const customer = store.customers[c.customer[charge]!]!;
      this.schedule(customer, closesAt, (t) => this.closeDispute(idx, t, settled.amount, fee, settled.rate));
    }
  }

  private closeDispute(idx: number, at: number, settledAmount: number, fee: number, rate: number | null): void {
    const store = this.store;
    const dispute = store.disputes[idx]!;
    dispute.closedAt = at;
    dispute.outcome = dispute.plannedOutcome;
    if (dispute.outcome === 'won') {
      // Winning returns the disputed amount and the dispute fee.
      dispute.balanceTransactions.push(this.newTransaction('dispute_reversal', 'dispute', idx, settledAmount, -fee, rate, at));
    }
    store.emit('charge.dispute.closed', 'dispute', idx, at);
  }

  emitGlobal(type: EventType, kind: 'product' | 'price' | 'coupon', idx: number, at: number): void {
    this.store.emit(type, kind, idx, at);
  }
}

export function isEnded(status: SubscriptionState['status']): boolean {
  return status === 'canceled' || status === 'incomplete_expired';
}

function isOpenFailing(c: AccountStore['invoices']['c'], inv: number): boolean {
  return c.finalizedAt[inv]! > 0 && !c.paidAt[inv] && !c.voidedAt[inv] && !c.uncollectibleAt[inv] && c.attempts[inv]! > 0;
}

export type { Interval };
