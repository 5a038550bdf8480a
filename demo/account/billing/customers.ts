import type { Customer, CustomerState, PaymentMethod } from '../model.js';
import type { AccountStore } from '../store.js';
import type { BillingContext } from './context.js';
import { isEnded, type CardDetails } from './rules.js';

/** Customers and their cards: creation, card attach/update, detail changes, deletion. */
export class CustomerChanges {
  private readonly store: AccountStore;

  constructor(private readonly ctx: BillingContext) {
    this.store = ctx.store;
  }

  createCustomer(customer: Customer, at: number, card: CardDetails | null): void {
    customer.materialized = true;
    this.store.emit('customer.created', 'customer', customer.idx, at);
    if (card) {
      const pm = this.attachCard(customer, at, card);
      // Created with its card already the default (as a Checkout signup does): no update event.
      customer.s.defaultPm = pm.idx;
    }
  }

  attachCard(customer: Customer, at: number, card: CardDetails): PaymentMethod {
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

  updateCard(customer: Customer, at: number, card: CardDetails, replace: boolean): void {
    const store = this.store;
    if (!this.ctx.customerActive(customer, at, 'update a card')) return;
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
    this.ctx.mutateCustomer(customer, at, (s) => {
      s.defaultPm = pm.idx;
    });
    store.emit('customer.updated', 'customer', customer.idx, at);
    for (const subIdx of customer.subscriptions) {
      const sub = store.subscriptions[subIdx]!;
      if (!sub.materialized || isEnded(sub.s.status) || sub.s.defaultPm < 0) continue;
      this.ctx.mutateSubscription(sub, at, (s) => {
        s.defaultPm = pm.idx;
      });
      store.emit('customer.subscription.updated', 'subscription', sub.idx, at);
    }
  }

  updateCustomer(customer: Customer, at: number, change: Partial<Pick<CustomerState, 'email' | 'name' | 'phone' | 'description' | 'metadata'>>): void {
    if (!this.ctx.customerActive(customer, at, 'update the customer')) return;
    this.ctx.mutateCustomer(customer, at, (s) => Object.assign(s, change));
    this.store.emit('customer.updated', 'customer', customer.idx, at);
  }

  deleteCustomer(customer: Customer, at: number): void {
    if (!this.ctx.customerActive(customer, at, 'delete the customer')) return;
    for (const subIdx of customer.subscriptions) {
      const sub = this.store.subscriptions[subIdx]!;
      if (sub.materialized && !isEnded(sub.s.status)) this.ctx.cancelNow(sub, at, { reason: 'cancellation_requested', feedback: null, comment: null });
    }
    customer.deletedAt = at;
    this.store.emit('customer.deleted', 'customer', customer.idx, at);
  }
}
