import { BILLING_REASONS, CHARGE_FAILURES, TXN_CATEGORIES, TXN_SOURCES, type BillingReason, type Customer, type DunningExhausted, type Subscription } from '../model.js';
import { processingFee } from '../money.js';
import type { AccountStore } from '../store.js';
import { cardExpiresAt } from '../time.js';
import type { BillingContext } from './context.js';
import { RETRY_OFFSETS, INCOMPLETE_EXPIRY, type LineDraft, isEnded } from './rules.js';

const TXN_CATEGORY = Object.fromEntries(TXN_CATEGORIES.map((c, i) => [c, i])) as Record<(typeof TXN_CATEGORIES)[number], number>;
const TXN_SOURCE = Object.fromEntries(TXN_SOURCES.map((c, i) => [c, i])) as Record<(typeof TXN_SOURCES)[number], number>;

/**
 * Invoices and payments: building an invoice from its lines (discounts, tax,
 * customer balance), finalizing it, charging it, retrying failed payments
 * (dunning) and what happens when the retries run out.
 */
export class Payments {
  private readonly store: AccountStore;

  constructor(private readonly ctx: BillingContext) {
    this.store = ctx.store;
  }

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
        this.ctx.mutateSubscription(sub, at, (next) => {
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
    if (endingBalance !== startingBalance) this.ctx.mutateCustomer(customer, at, (s) => void (s.balance = endingBalance));

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
    this.ctx.schedule(customer, finalizeAt, (t) => this.finalize(customer, sub, inv, t, options.failFirstPayment ?? false));
    return inv;
  }

  private finalize(customer: Customer, sub: Subscription | null, inv: number, at: number, failFirstPayment: boolean): void {
    const store = this.store;
    const c = store.invoices.c;
    if (c.voidedAt[inv]) return;
    c.finalizedAt[inv] = at;
    c.numberSeq[inv] = customer.s.nextInvoiceSequence;
    this.ctx.mutateCustomer(customer, at, (s) => void (s.nextInvoiceSequence += 1));
    store.emit('invoice.finalized', 'invoice', inv, at);
    if (c.amountDue[inv] === 0) {
      this.markPaid(customer, sub, inv, at + 1);
      return;
    }
    if (c.noAttempts[inv]) return;
    this.ctx.schedule(customer, at + 1, (t) => this.attempt(customer, sub, inv, 0, t, failFirstPayment));
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
        this.ctx.mutateSubscription(sub, at, (next) => void (next.status = 'active'));
        store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
      }
    }
    if (customer.s.delinquent && !this.customerHasFailingInvoice(customer)) {
      this.ctx.mutateCustomer(customer, at, (s) => void (s.delinquent = false));
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
    const pm = this.ctx.paymentMethodFor(customer, sub);
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
      this.ctx.schedule(customer, c.created[inv]! + INCOMPLETE_EXPIRY, (t) => this.expireIncomplete(sub, inv, t));
      return;
    }
    if (!customer.s.delinquent) {
      this.ctx.mutateCustomer(customer, at, (s) => void (s.delinquent = true));
      store.emit('customer.updated', 'customer', customer.idx, at);
    }
    if (sub && sub.s.status === 'active') {
      this.ctx.mutateSubscription(sub, at, (next) => void (next.status = 'past_due'));
      store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
    }
    const first = at - RETRY_OFFSETS[attempt]!;
    if (attempt + 1 < RETRY_OFFSETS.length) {
      const next = first + RETRY_OFFSETS[attempt + 1]!;
      c.nextAttemptAt[inv] = next;
      this.ctx.schedule(customer, next, (t) => this.attempt(customer, sub, inv, attempt + 1, t, false));
      return;
    }
    c.nextAttemptAt[inv] = 0;
    if (sub && !isEnded(sub.s.status)) this.exhaustDunning(sub, sub.dunningExhausted, at);
    if (sub?.invoiceAfterDunning !== 'open') {
      c.uncollectibleAt[inv] = at + 1;
      store.emit('invoice.marked_uncollectible', 'invoice', inv, at + 1);
      // Stripe clears `delinquent` when an invoice is marked uncollectible.
      if (customer.s.delinquent && !this.customerHasFailingInvoice(customer)) {
        this.ctx.mutateCustomer(customer, at + 1, (s) => void (s.delinquent = false));
        store.emit('customer.updated', 'customer', customer.idx, at + 1);
      }
    }
  }

  private exhaustDunning(sub: Subscription, outcome: DunningExhausted, at: number): void {
    if (outcome === 'cancel') {
      this.ctx.cancelNow(sub, at, { reason: 'payment_failed', feedback: null, comment: null });
    } else if (outcome === 'unpaid') {
      this.ctx.mutateSubscription(sub, at, (next) => void (next.status = 'unpaid'));
      this.store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
    }
  }

  private expireIncomplete(sub: Subscription, inv: number, at: number): void {
    const store = this.store;
    if (sub.s.status !== 'incomplete') return;
    sub.generation++;
    this.ctx.mutateSubscription(sub, at, (next) => {
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
}

function isOpenFailing(c: AccountStore['invoices']['c'], inv: number): boolean {
  return c.finalizedAt[inv]! > 0 && !c.paidAt[inv] && !c.voidedAt[inv] && !c.uncollectibleAt[inv] && c.attempts[inv]! > 0;
}
