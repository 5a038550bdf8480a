import type { Customer, Subscription, SubscriptionItemRef } from '../model.js';
import { amountFor, isMetered } from '../pricing.js';
import { hash32 } from '../random.js';
import type { AccountStore } from '../store.js';
import { addInterval, DAY } from '../time.js';
import type { BillingContext } from './context.js';
import type { Payments } from './payments.js';
import { DRAFT_DELAY, type LineDraft, type DesiredItem, type CancellationDetails, isEnded } from './rules.js';

/**
 * Subscriptions: start (with trial, coupon), renewals at each period start,
 * item changes with or without prorations, and cancellations.
 */
export class Subscriptions {
  private readonly store: AccountStore;

  constructor(
    private readonly ctx: BillingContext,
    private readonly payments: Payments,
  ) {
    this.store = ctx.store;
  }

  startSubscription(
    sub: Subscription,
    at: number,
    options: { items: DesiredItem[]; trialDays: number; coupon: number; failFirstPayment: boolean },
  ): void {
    const store = this.store;
    const customer = store.customers[sub.customer]!;
    if (!this.ctx.customerActive(customer, at, `start ${store.id('subscription', sub.idx)}`)) return;
    if (customer.s.currency !== null && customer.s.currency !== sub.currency) {
      // Stripe fixes a customer's currency with its first invoice.
      this.ctx.warn(`Could not start ${store.id('subscription', sub.idx)}: its currency ${sub.currency} differs from the customer's ${customer.s.currency}.`);
      return;
    }
    sub.materialized = true;
    customer.subscriptions.push(sub.idx);
    if (customer.s.currency === null) this.ctx.mutateCustomer(customer, at, (s) => void (s.currency = sub.currency));

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
    const invoice = this.payments.createInvoice(customer, sub, at, 'subscription_create', drafts, at + 1, { failFirstPayment: options.failFirstPayment });
    sub.s.latestInvoice = invoice;

    if (trialEnd) {
      if (trialEnd - 3 * DAY > at) this.ctx.schedule(customer, trialEnd - 3 * DAY, (t) => this.trialWillEnd(sub, t));
    }
    const generation = sub.generation;
    this.ctx.schedule(customer, periodEnd, (t) => this.renew(sub, generation, t));
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
    if (end) this.ctx.schedule(customer, end, (t) => this.endDiscount(sub, idx, t));
    return idx;
  }

  private endDiscount(sub: Subscription, discount: number, at: number): void {
    if (!sub.s.discounts.includes(discount)) return;
    this.ctx.mutateSubscription(sub, at, (s) => {
      s.discounts = s.discounts.filter((d) => d !== discount);
    });
    if (!isEnded(sub.s.status)) this.store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
  }

  private trialWillEnd(sub: Subscription, at: number): void {
    if (sub.s.status === 'trialing') this.store.emit('customer.subscription.trial_will_end', 'subscription', sub.idx, at);
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
      this.ctx.mutateSubscription(sub, at, (next) => {
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
      if (sub.trialEndBehavior === 'cancel' || this.ctx.paymentMethodFor(customer, sub) < 0) {
        this.ctx.mutateSubscription(sub, at, (next) => {
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

    const invoice = this.payments.createInvoice(customer, sub, at, 'subscription_cycle', drafts, at + DRAFT_DELAY, { noAttempts: status === 'unpaid' });
    this.ctx.mutateSubscription(sub, at, (next) => {
      next.status = status;
      next.items = items;
      next.periodStart = at;
      next.periodEnd = periodEnd;
      next.billingCycleAnchor = anchor;
      next.latestInvoice = invoice;
    });
    store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
    this.ctx.schedule(customer, periodEnd, (t) => this.renew(sub, generation, t));
  }

  /** A made-up but stable usage figure for a metered item's period. */
  private meteredUsage(item: number, periodStart: number): number {
    const h = hash32(this.store.settings.seed, item, periodStart);
    return 200 + (h % 9800);
  }

  /** The waiting invoice items (prorations) as lines of the invoice being made; they are no longer pending. */
  private takePendingItems(sub: Subscription): LineDraft[] {
    const drafts = this.draftsFor(sub.pendingItems);
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
      this.ctx.warn(`Could not change the items of ${store.id('subscription', sub.idx)} at ${when}: the subscription is not live then.`);
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
      this.ctx.mutateSubscription(sub, at, (next) => void (next.items = items));
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
      const drafts = [...this.draftsFor(prorations), ...this.takePendingItems(sub)];
      for (const ref of items) {
        const price = store.prices[ref.price]!;
        const metered = isMetered(price);
        drafts.push({ kind: 'subscription', subscriptionItem: ref.item, price: ref.price, quantity: metered ? 0 : ref.quantity, amount: metered ? 0 : amountFor(price, ref.quantity), periodStart: at, periodEnd, invoiceItem: -1, trial: false });
      }
      const invoice = this.payments.createInvoice(customer, sub, at, 'subscription_update', drafts, at + 1, {});
      this.ctx.mutateSubscription(sub, at, (next) => {
        next.items = items;
        next.periodStart = at;
        next.periodEnd = periodEnd;
        next.billingCycleAnchor = at;
        next.latestInvoice = invoice;
        if (next.cancelAtPeriodEnd) next.cancelAt = periodEnd;
      });
      store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
      const generation = sub.generation;
      this.ctx.schedule(customer, periodEnd, (t) => this.renew(sub, generation, t));
      return;
    }

    let invoice = -1;
    if (proration === 'always_invoice' && prorations.length > 0) {
      sub.pendingItems.push(...prorations);
      invoice = this.payments.createInvoice(customer, sub, at, 'subscription_update', this.takePendingItems(sub), at + 1, {});
    } else {
      sub.pendingItems.push(...prorations);
    }
    this.ctx.mutateSubscription(sub, at, (next) => {
      next.items = items;
      if (invoice >= 0) next.latestInvoice = invoice;
    });
    store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
  }

  private draftsFor(invoiceItems: number[]): LineDraft[] {
    const ii = this.store.invoiceItems.c;
    return invoiceItems.map((item): LineDraft => ({
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
      this.ctx.warn(`Could not cancel ${store.id('subscription', sub.idx)} at ${at}: the subscription is not live then.`);
      return;
    }
    if (!atPeriodEnd) {
      this.ctx.cancelNow(sub, at, details);
      return;
    }
    this.ctx.mutateSubscription(sub, at, (next) => {
      next.cancelAtPeriodEnd = true;
      next.cancelAt = next.periodEnd;
      next.canceledAt = at;
      next.cancellation = { ...details };
    });
    store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
  }
}
