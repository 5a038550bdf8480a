import type { Customer } from '../model.js';
import { disputeFee } from '../money.js';
import type { AccountStore } from '../store.js';
import { DAY } from '../time.js';
import type { BillingContext } from './context.js';
import type { Payments } from './payments.js';

/** Money after the fact: refunds (with credit notes) and disputes (with their fee and, when won, its reversal). */
export class Adjustments {
  private readonly store: AccountStore;

  constructor(
    private readonly ctx: BillingContext,
    private readonly payments: Payments,
  ) {
    this.store = ctx.store;
  }

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
      this.ctx.warn(`Could not refund ${store.id('charge', charge)} at ${at}: nothing left to refund.`);
      return;
    }
    const currency = store.currencyOf(c.currency[charge]!);
    const idx = store.refunds.length;
    const settled = store.fx.settle(value, currency, at);
    const txn = this.payments.newTransaction('refund', 'refund', idx, -settled.amount, 0, settled.rate, at);
    store.refunds.push({ idx, charge, amount: value, created: at, succeededAt: at + 5 * 60, reason, balanceTransaction: txn, creditNote: -1 });
    const list = store.refundsByCharge.get(charge);
    if (list) list.push(idx);
    else store.refundsByCharge.set(charge, [idx]);
    c.refunded[charge] = 1;
    store.emit('charge.refunded', 'charge', charge, at);
    const customer = store.customers[c.customer[charge]!]!;
    this.ctx.schedule(customer, at + 5 * 60, (t) => store.emit('charge.refund.updated', 'refund', idx, t));

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
      this.ctx.warn(`Could not dispute ${store.id('charge', charge)} at ${at}: it is already refunded or disputed.`);
      return;
    }
    const currency = store.currencyOf(c.currency[charge]!);
    const amount = c.amount[charge]!;
    const idx = store.disputes.length;
    const settled = store.fx.settle(amount, currency, at);
    const fee = disputeFee(store.settings.defaultCurrency);
    const txn = this.payments.newTransaction('dispute', 'dispute', idx, -settled.amount, fee, settled.rate, at);
    const closesAt = at + closeAfterDays * DAY;
    store.disputes.push({ idx, charge, amount, created: at, reason, closedAt: 0, outcome: null, closesAt: outcome ? closesAt : 0, plannedOutcome: outcome, balanceTransactions: [txn] });
    store.disputeByCharge.set(charge, idx);
    c.disputed[charge] = 1;
    store.emit('charge.dispute.created', 'dispute', idx, at);
    if (outcome) {
      const customer = store.customers[c.customer[charge]!]!;
      this.ctx.schedule(customer, closesAt, (t) => this.closeDispute(idx, t, settled.amount, fee, settled.rate));
    }
  }

  private closeDispute(idx: number, at: number, settledAmount: number, fee: number, rate: number | null): void {
    const store = this.store;
    const dispute = store.disputes[idx]!;
    dispute.closedAt = at;
    dispute.outcome = dispute.plannedOutcome;
    if (dispute.outcome === 'won') {
      // Winning returns the disputed amount and the dispute fee.
      dispute.balanceTransactions.push(this.payments.newTransaction('dispute_reversal', 'dispute', idx, settledAmount, -fee, rate, at));
    }
    store.emit('charge.dispute.closed', 'dispute', idx, at);
  }
}
