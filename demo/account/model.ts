import { Columns } from './columns.js';
import type { Interval } from './time.js';

/**
 * The account's compact state. Low-volume objects are plain records; the
 * high-volume ones are typed-array tables (see columns.ts). Nothing here is a
 * Stripe-shaped object: `render/` builds those on demand. Indexes refer to rows
 * of the other tables; -1 and 0 mean "none" for indexes and times.
 */

/** Prior states of a mutable record, kept only for changes inside the event window (events render the state they announce). */
export interface History<S> {
  /** `[until, state, version]`: `state` (version `version`) was current up to (not including) `until`. In change order. */
  entries: Array<[number, S, number]>;
}

export interface Versioned<S> {
  s: S;
  history: History<S> | null;
  /** Counts the changes so far; events remember the version they announce. */
  version: number;
}

/** The state of `record` as of `asOf` (inclusive: changes at `asOf` are applied). */
export function stateAt<S>(record: Versioned<S>, asOf: number): S {
  const history = record.history;
  if (history) {
    for (const [until, state] of history.entries) if (asOf < until) return state;
  }
  return record.s;
}

/** The state of `record` right after its `version`-th change (falls back to the oldest kept state). */
export function stateAtVersion<S>(record: Versioned<S>, version: number): S {
  if (version >= record.version) return record.s;
  const entries = record.history?.entries;
  if (!entries || entries.length === 0) return record.s;
  for (const [, state, v] of entries) if (v >= version) return state;
  return record.s;
}

export interface Product {
  idx: number;
  created: number;
  name: string;
  description: string | null;
  unitLabel: string | null;
  metadata: Record<string, string>;
  defaultPrice: number;
}

export interface Tier {
  upTo: number | null;
  unitAmount: number;
  flatAmount: number;
}

export interface Price {
  idx: number;
  created: number;
  product: number;
  currency: string;
  /** null for tiered prices */
  unitAmount: number | null;
  recurring: { interval: Interval; intervalCount: number; usageType: 'licensed' | 'metered' } | null;
  tiersMode: 'volume' | 'graduated' | null;
  tiers: Tier[] | null;
  nickname: string | null;
  lookupKey: string | null;
  active: boolean;
  metadata: Record<string, string>;
}

export interface Coupon {
  idx: number;
  id: string;
  created: number;
  name: string | null;
  percentOff: number | null;
  amountOff: number | null;
  currency: string | null;
  duration: 'forever' | 'once' | 'repeating';
  durationInMonths: number | null;
  maxRedemptions: number | null;
  redeemBy: number;
  /** Redemption times; sorted lazily (customers are simulated one after another). */
  redemptions: number[];
  redemptionsSorted: boolean;
  metadata: Record<string, string>;
}

export interface TaxRate {
  idx: number;
  created: number;
  country: string;
  percentage: number;
  displayName: string;
  description: string;
}

export interface CustomerState {
  email: string | null;
  name: string | null;
  phone: string | null;
  description: string | null;
  currency: string | null;
  defaultPm: number;
  delinquent: boolean;
  balance: number;
  nextInvoiceSequence: number;
  metadata: Record<string, string>;
}

export interface FailWindow {
  from: number;
  until: number;
  code: string;
}

export interface Customer extends Versioned<CustomerState> {
  idx: number;
  created: number;
  /** 0 until the creation task ran (then the customer exists). */
  materialized: boolean;
  invoicePrefix: string;
  country: string | null;
  taxRate: number;
  deletedAt: number;
  failWindows: FailWindow[];
  /** Newest charge of this customer (charges link to the previous one of the same customer). */
  lastCharge: number;
  subscriptions: number[];
  paymentMethods: number[];
  /** Pending simulation tasks, ordered by (at, seq). */
  queue: Task[];
}

export interface PaymentMethodState {
  expMonth: number;
  expYear: number;
}

export interface PaymentMethod extends Versioned<PaymentMethodState> {
  idx: number;
  customer: number;
  created: number;
  brand: string;
  last4: string;
  country: string;
  funding: string;
}

export interface SubscriptionItemRef {
  item: number;
  price: number;
  quantity: number;
}

export interface SubscriptionState {
  status: 'incomplete' | 'incomplete_expired' | 'trialing' | 'active' | 'past_due' | 'unpaid' | 'canceled';
  items: SubscriptionItemRef[];
  periodStart: number;
  periodEnd: number;
  billingCycleAnchor: number;
  trialStart: number;
  trialEnd: number;
  cancelAtPeriodEnd: boolean;
  cancelAt: number;
  canceledAt: number;
  endedAt: number;
  cancellation: { reason: string | null; feedback: string | null; comment: string | null };
  discounts: number[];
  latestInvoice: number;
  defaultPm: number;
  metadata: Record<string, string>;
}

export type DunningExhausted = 'cancel' | 'unpaid' | 'past_due';

export interface Subscription extends Versioned<SubscriptionState> {
  idx: number;
  customer: number;
  created: number;
  materialized: boolean;
  currency: string;
  interval: Interval;
  intervalCount: number;
  /** Which period of the current anchor we are in (0 = the first). */
  periodIndex: number;
  trialEndBehavior: 'convert' | 'cancel';
  dunningExhausted: DunningExhausted;
  invoiceAfterDunning: 'uncollectible' | 'open';
  /** Invoice items (prorations) waiting for the next invoice. */
  pendingItems: number[];
  /** Items to switch to at the next renewal (a downgrade at period end). */
  scheduledItems: Array<{ price: number; quantity: number }> | null;
  /** Bumps when a billing schedule changes, so stale renewal tasks know to do nothing. */
  generation: number;
}

export interface SubscriptionItem {
  idx: number;
  subscription: number;
  price: number;
  created: number;
  /** 0 while the item is on the subscription; the time it was removed otherwise. */
  deletedAt: number;
  metadata: Record<string, string>;
}

export interface Discount {
  idx: number;
  coupon: number;
  customer: number;
  subscription: number;
  start: number;
  /** 0 = no end (forever), otherwise when it stops applying */
  end: number;
  created: number;
}

export interface Refund {
  idx: number;
  charge: number;
  amount: number;
  created: number;
  succeededAt: number;
  reason: string | null;
  balanceTransaction: number;
  creditNote: number;
}

export interface Dispute {
  idx: number;
  charge: number;
  amount: number;
  created: number;
  reason: string;
  closedAt: number;
  outcome: 'won' | 'lost' | null;
  /** When the outcome is decided (known in advance, applied when the clock passes it). */
  closesAt: number;
  plannedOutcome: 'won' | 'lost' | null;
  balanceTransactions: number[];
}

export interface CreditNote {
  idx: number;
  invoice: number;
  customer: number;
  amount: number;
  created: number;
  refund: number;
  reason: string | null;
  number: string;
}

export interface Payout {
  idx: number;
  amount: number;
  created: number;
  arrivalDate: number;
  balanceTransaction: number;
}

/** A scheduled piece of simulation for one customer. */
export interface Task {
  at: number;
  seq: number;
  run: (at: number) => void;
}

export const BILLING_REASONS = ['subscription_create', 'subscription_cycle', 'subscription_update', 'manual'] as const;
export type BillingReason = (typeof BILLING_REASONS)[number];

export const CHARGE_FAILURES = ['', 'card_declined', 'expired_card', 'insufficient_funds'] as const;

/** Balance transaction reporting categories, indexed like TXN_CATEGORIES. */
export const TXN_CATEGORIES = ['charge', 'refund', 'dispute', 'dispute_reversal', 'payout'] as const;
export const TXN_SOURCES = ['charge', 'refund', 'dispute', 'payout'] as const;

export function newInvoices() {
  return new Columns(
    {
      customer: 'i32',
      subscription: 'i32',
      currency: 'u8',
      created: 'u32',
      periodStart: 'u32',
      periodEnd: 'u32',
      billingReason: 'u8',
      lineStart: 'i32',
      lineCount: 'i32',
      subtotal: 'i32',
      discountTotal: 'i32',
      taxTotal: 'i32',
      total: 'i32',
      startingBalance: 'i32',
      amountDue: 'i32',
      discount: 'i32',
      numberSeq: 'i32',
      finalizedAt: 'u32',
      paidAt: 'u32',
      voidedAt: 'u32',
      uncollectibleAt: 'u32',
      /** payment attempts made so far (all but a successful last one failed) */
      attempts: 'u8',
      /** the next scheduled attempt while dunning continues, else 0 */
      nextAttemptAt: 'u32',
      /** 1 when payments are not attempted (an unpaid subscription's invoices) */
      noAttempts: 'u8',
      taxRate: 'i32',
      previousOfSubscription: 'i32',
      creditNote: 'i32',
    },
    { subscription: -1, discount: -1, taxRate: -1, previousOfSubscription: -1, creditNote: -1 },
    4096,
  );
}

export function newLines() {
  return new Columns(
    {
      invoice: 'i32',
      kind: 'u8',
      subscriptionItem: 'i32',
      price: 'i32',
      quantity: 'i32',
      amount: 'i32',
      periodStart: 'u32',
      periodEnd: 'u32',
      discountAmount: 'i32',
      taxAmount: 'i32',
      invoiceItem: 'i32',
      /** 1 for the trial-period line of a $0 trial invoice */
      trial: 'u8',
    },
    { subscriptionItem: -1, invoiceItem: -1 },
    4096,
  );
}

export function newInvoiceItems() {
  return new Columns(
    {
      customer: 'i32',
      subscription: 'i32',
      subscriptionItem: 'i32',
      price: 'i32',
      quantity: 'i32',
      amount: 'i32',
      currency: 'u8',
      created: 'u32',
      periodStart: 'u32',
      periodEnd: 'u32',
      proration: 'u8',
      invoice: 'i32',
      /** 1 = "Unused time" credit, 0 = "Remaining time" debit */
      credit: 'u8',
    },
    { subscription: -1, subscriptionItem: -1, invoice: -1 },
    256,
  );
}

export function newCharges() {
  return new Columns(
    {
      customer: 'i32',
      invoice: 'i32',
      amount: 'i32',
      currency: 'u8',
      created: 'u32',
      succeeded: 'u8',
      failureCode: 'u8',
      balanceTransaction: 'i32',
      paymentMethod: 'i32',
      previousOfCustomer: 'i32',
      /** first refund / dispute index + 1 (0 = none) for quick checks; the lists live in maps */
      refunded: 'u8',
      disputed: 'u8',
    },
    { invoice: -1, balanceTransaction: -1, paymentMethod: -1, previousOfCustomer: -1 },
    4096,
  );
}

export function newBalanceTransactions() {
  return new Columns(
    {
      category: 'u8',
      sourceKind: 'u8',
      source: 'i32',
      amount: 'i32',
      fee: 'i32',
      exchangeRate: 'f64',
      created: 'u32',
    },
    { source: -1 },
    4096,
  );
}

export function newEvents() {
  return new Columns({ created: 'u32', type: 'u8', kind: 'u8', object: 'i32', version: 'i32' }, { object: -1, version: -1 }, 4096);
}

