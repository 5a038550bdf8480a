import type { Customer, CustomerState, Subscription, SubscriptionState } from '../model.js';
import type { AccountStore } from '../store.js';
import { type CancellationDetails, copySubscriptionState } from './rules.js';

/**
 * What every part of billing shares: the store, the per-customer task queues,
 * state changes of customers and subscriptions, and the warnings met on the way.
 */
export class BillingContext {
  private seq = 0;
  /** Problems met while simulating (an action on a subscription that had already ended, ...). */
  readonly warnings: string[] = [];

  constructor(readonly store: AccountStore) {}

  warn(message: string): void {
    if (this.warnings.length < 1000) this.warnings.push(message);
  }

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

  mutateCustomer(customer: Customer, at: number, change: (s: CustomerState) => void): void {
    this.store.mutate(customer, at, change);
  }

  mutateSubscription(sub: Subscription, at: number, change: (s: SubscriptionState) => void): void {
    this.store.mutate(sub, at, change, copySubscriptionState);
  }

  paymentMethodFor(customer: Customer, sub: Subscription | null): number {
    if (sub && sub.s.defaultPm >= 0) return sub.s.defaultPm;
    return customer.s.defaultPm;
  }

  customerActive(customer: Customer, at: number, what: string): boolean {
    if (!customer.materialized || (customer.deletedAt && customer.deletedAt <= at)) {
      this.warn(`Could not ${what} of ${this.store.id('customer', customer.idx)} at ${at}: the customer does not exist then.`);
      return false;
    }
    return true;
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
}
