import type { EventType } from '../kinds.js';
import type { Customer, Subscription } from '../model.js';
import type { AccountStore } from '../store.js';
import { Adjustments } from './adjustments.js';
import { BillingContext } from './context.js';
import { CustomerChanges } from './customers.js';
import { Payments } from './payments.js';
import type { CancellationDetails, CardDetails, DesiredItem } from './rules.js';
import { Subscriptions } from './subscriptions.js';

/**
 * Stripe's billing rules, applied to the store one customer at a time in time
 * order. Each method is one thing that happens at one instant; follow-ups are
 * scheduled as tasks on the customer's queue. The rules live in one module per
 * concern; this is what the scenario API calls.
 */
export class Billing {
  private readonly ctx: BillingContext;
  private readonly payments: Payments;
  private readonly subscriptions: Subscriptions;
  private readonly customers: CustomerChanges;
  private readonly adjustments: Adjustments;

  constructor(private readonly store: AccountStore) {
    this.ctx = new BillingContext(store);
    this.payments = new Payments(this.ctx);
    this.subscriptions = new Subscriptions(this.ctx, this.payments);
    this.customers = new CustomerChanges(this.ctx);
    this.adjustments = new Adjustments(this.ctx, this.payments);
  }

  get warnings(): readonly string[] {
    return this.ctx.warnings;
  }

  warn(message: string): void {
    this.ctx.warn(message);
  }

  schedule(customer: Customer, at: number, run: (at: number) => void): void {
    this.ctx.schedule(customer, at, run);
  }

  runCustomer(customer: Customer, until: number): void {
    this.ctx.runCustomer(customer, until);
  }

  createCustomer(customer: Customer, at: number, card: CardDetails | null): void {
    this.customers.createCustomer(customer, at, card);
  }

  updateCard(customer: Customer, at: number, card: CardDetails, replace: boolean): void {
    this.customers.updateCard(customer, at, card, replace);
  }

  updateCustomer(customer: Customer, at: number, change: Parameters<CustomerChanges['updateCustomer']>[2]): void {
    this.customers.updateCustomer(customer, at, change);
  }

  deleteCustomer(customer: Customer, at: number): void {
    this.customers.deleteCustomer(customer, at);
  }

  startSubscription(sub: Subscription, at: number, options: { items: DesiredItem[]; trialDays: number; coupon: number; failFirstPayment: boolean }): void {
    this.subscriptions.startSubscription(sub, at, options);
  }

  changeItems(sub: Subscription, at: number | 'period_end', wanted: DesiredItem[], proration: 'create_prorations' | 'always_invoice' | 'none', declaredAt: number): void {
    this.subscriptions.changeItems(sub, at, wanted, proration, declaredAt);
  }

  cancel(sub: Subscription, at: number, atPeriodEnd: boolean, details: CancellationDetails): void {
    this.subscriptions.cancel(sub, at, atPeriodEnd, details);
  }

  findCharge(customer: Customer, at: number, nth: number | undefined, after: number | undefined): number {
    return this.adjustments.findCharge(customer, at, nth, after);
  }

  refund(charge: number, at: number, amount: number | undefined, reason: string | null, creditNote: boolean): void {
    this.adjustments.refund(charge, at, amount, reason, creditNote);
  }

  dispute(charge: number, at: number, outcome: 'won' | 'lost' | null, closeAfterDays: number, reason: string): void {
    this.adjustments.dispute(charge, at, outcome, closeAfterDays, reason);
  }

  newTransaction(...args: Parameters<Payments['newTransaction']>): number {
    return this.payments.newTransaction(...args);
  }

  /** The created events of catalog objects (not tied to a customer). */
  announce(type: EventType, kind: 'product' | 'price' | 'coupon', idx: number, at: number): void {
    this.store.emit(type, kind, idx, at);
  }
}
