import type { DemoAccount } from './account.js';
import type { Kind } from './kinds.js';
import { EVENT_TYPES } from './kinds.js';
import { BILLING_REASONS, TXN_CATEGORIES, TXN_SOURCES } from './model.js';
import { renderCoupon, renderPrice, renderProduct, renderTaxRate } from './render/catalog.js';
import { NO_EXPAND, type Expand, type Json, type RenderContext } from './render/context.js';
import { renderCustomer, renderDeletedCustomer, renderPaymentMethod } from './render/customers.js';
import { renderEvent } from './render/events.js';
import { invoiceStatusAt, renderCreditNote, renderInvoice, renderInvoiceItem } from './render/invoices.js';
import { renderBalanceTransaction, renderCharge, renderDispute, renderPayout, renderRefund } from './render/payments.js';
import { renderSubscription } from './render/subscriptions.js';
import { EVENT_RETENTION, type AccountStore } from './store.js';

/** A list filter: builds a row predicate from the query value, or says what is wrong with the value. */
export type FilterBuilder = (value: string, store: AccountStore) => ((idx: number) => boolean) | { error: string };

export interface CollectionSpec {
  /** The API list name: the path under /v1 and the raw table name. */
  readonly name: string;
  readonly kind: Kind;
  /** Rows that exist as of the clock (created, materialized); listing and retrieval both need it. */
  exists(store: AccountStore, idx: number): boolean;
  /** Rows the list shows (deleted customers exist, and stay valid as cursors, but are not listed). */
  listed?(store: AccountStore, idx: number): boolean;
  render(ctx: RenderContext, idx: number, expand: Expand): Json;
  /** What a retrieve answers for an existing row that is gone (a deleted customer). */
  renderDeleted?(ctx: RenderContext, idx: number): Json | null;
  /** Query filters besides created/limit/cursors/expand. */
  readonly filters: Record<string, FilterBuilder>;
  /** Filters narrowed through a per-customer index. */
  readonly customerOf?: (store: AccountStore, idx: number) => number;
  /** A predicate applied when the query does not set the named filter (subscriptions hide canceled ones). */
  readonly defaultFilter?: { param: string; keep: (store: AccountStore, idx: number) => boolean };
  /** Only this recent history is listed (events: 30 days). */
  readonly retention?: number;
  /** Expandable fields, for validating `expand[]`. */
  readonly expandable: ExpandSchema;
}

/** Fields that may be expanded: a field maps to the kind it expands into, or to the nested fields of a plain object. */
export type ExpandSchema = { readonly [field: string]: Kind | ExpandSchema };

export const EXPANDABLE: Partial<Record<Kind, ExpandSchema>> = {
  customer: { invoice_settings: { default_payment_method: 'payment_method' } },
  payment_method: { customer: 'customer' },
  product: {},
  price: { tiers: {}, product: 'product' },
  coupon: {},
  tax_rate: {},
  subscription: { customer: 'customer', default_payment_method: 'payment_method', discounts: {}, latest_invoice: 'invoice' },
  subscription_item: { price: 'price' },
  invoice: { customer: 'customer', default_payment_method: 'payment_method', discounts: {}, lines: { data: { discounts: {} } } },
  line_item: { discounts: {} },
  invoiceitem: { customer: 'customer', invoice: 'invoice' },
  charge: { balance_transaction: 'balance_transaction', customer: 'customer' },
  balance_transaction: { source: {} },
  refund: { balance_transaction: 'balance_transaction', charge: 'charge' },
  dispute: { charge: 'charge' },
  credit_note: { customer: 'customer', invoice: 'invoice' },
  payout: {},
  event: {},
};

const createdBy = (store: AccountStore, kind: Kind, idx: number) => store.created(kind, idx) <= store.now;

function idFilter(kind: Kind, pick: (store: AccountStore, idx: number) => number): FilterBuilder {
  return (value, store) => {
    const target = store.lookup(kind, value);
    if (target === undefined) return () => false;
    return (idx) => pick(store, idx) === target;
  };
}

function enumFilter<T extends string>(allowed: readonly T[], param: string, value: (store: AccountStore, idx: number) => string): FilterBuilder {
  return (wanted, store) => {
    if (!(allowed as readonly string[]).includes(wanted)) return { error: `Invalid ${param}: must be one of ${allowed.join(', ')}` };
    return (idx) => value(store, idx) === wanted;
  };
}

function booleanFilter(value: (store: AccountStore, idx: number) => boolean): FilterBuilder {
  return (wanted, store) => {
    if (wanted !== 'true' && wanted !== 'false') return { error: 'Invalid boolean: must be true or false' };
    const expect = wanted === 'true';
    return (idx) => value(store, idx) === expect;
  };
}

const SUBSCRIPTION_STATUSES = ['active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'trialing', 'paused', 'all', 'ended'] as const;

const subscriptionStatus = (store: AccountStore, idx: number) => store.subscriptions[idx]!.s.status;

export const COLLECTIONS: CollectionSpec[] = [
  {
    name: 'customers',
    kind: 'customer',
    exists: (store, idx) => store.customers[idx]!.materialized,
    listed: (store, idx) => !store.customers[idx]!.deletedAt,
    render: (ctx, idx, expand) => renderCustomer(ctx, idx, expand),
    renderDeleted: (ctx, idx) => (ctx.store.customers[idx]!.deletedAt ? renderDeletedCustomer(ctx, idx) : null),
    filters: {
      email: (value, store) => (idx) => store.customers[idx]!.s.email === value,
    },
    expandable: EXPANDABLE.customer!,
  },
  {
    name: 'products',
    kind: 'product',
    exists: (store, idx) => createdBy(store, 'product', idx),
    render: (ctx, idx) => renderProduct(ctx, idx),
    filters: { active: booleanFilter(() => true) },
    expandable: EXPANDABLE.product!,
  },
  {
    name: 'prices',
    kind: 'price',
    exists: (store, idx) => createdBy(store, 'price', idx),
    render: (ctx, idx, expand) => renderPrice(ctx, idx, expand),
    filters: {
      active: booleanFilter((store, idx) => store.prices[idx]!.active),
      currency: (value, store) => (idx) => store.prices[idx]!.currency === value.toLowerCase(),
      product: idFilter('product', (store, idx) => store.prices[idx]!.product),
      type: enumFilter(['one_time', 'recurring'], 'type', (store, idx) => (store.prices[idx]!.recurring ? 'recurring' : 'one_time')),
    },
    expandable: EXPANDABLE.price!,
  },
  {
    name: 'coupons',
    kind: 'coupon',
    exists: (store, idx) => createdBy(store, 'coupon', idx),
    render: (ctx, idx) => renderCoupon(ctx, idx),
    filters: {},
    expandable: EXPANDABLE.coupon!,
  },
  {
    name: 'tax_rates',
    kind: 'tax_rate',
    exists: (store, idx) => createdBy(store, 'tax_rate', idx),
    render: (ctx, idx) => renderTaxRate(ctx, idx),
    filters: { active: booleanFilter(() => true) },
    expandable: EXPANDABLE.tax_rate!,
  },
  {
    name: 'subscriptions',
    kind: 'subscription',
    exists: (store, idx) => store.subscriptions[idx]!.materialized,
    render: (ctx, idx, expand) => renderSubscription(ctx, idx, expand),
    customerOf: (store, idx) => store.subscriptions[idx]!.customer,
    filters: {
      customer: idFilter('customer', (store, idx) => store.subscriptions[idx]!.customer),
      price: (value, store) => {
        const price = store.lookup('price', value);
        return (idx) => price !== undefined && store.subscriptions[idx]!.s.items.some((item) => item.price === price);
      },
      status: (value, store) => {
        if (!(SUBSCRIPTION_STATUSES as readonly string[]).includes(value)) return { error: `Invalid status: must be one of ${SUBSCRIPTION_STATUSES.join(', ')}` };
        if (value === 'all') return () => true;
        if (value === 'ended') return (idx) => ['canceled', 'incomplete_expired'].includes(subscriptionStatus(store, idx));
        return (idx) => subscriptionStatus(store, idx) === value;
      },
    },
    // Without a status filter Stripe lists every subscription that has not ended.
    defaultFilter: { param: 'status', keep: (store, idx) => !['canceled', 'incomplete_expired'].includes(subscriptionStatus(store, idx)) },
    expandable: EXPANDABLE.subscription!,
  },
  {
    name: 'invoices',
    kind: 'invoice',
    exists: (store, idx) => createdBy(store, 'invoice', idx),
    render: (ctx, idx, expand) => renderInvoice(ctx, idx, expand),
    customerOf: (store, idx) => store.invoices.c.customer[idx]!,
    filters: {
      customer: idFilter('customer', (store, idx) => store.invoices.c.customer[idx]!),
      subscription: idFilter('subscription', (store, idx) => store.invoices.c.subscription[idx]!),
      status: enumFilter(['draft', 'open', 'paid', 'uncollectible', 'void'], 'status', (store, idx) => invoiceStatusAt(store, idx, store.now)),
      collection_method: enumFilter(['charge_automatically', 'send_invoice'], 'collection_method', () => 'charge_automatically'),
      billing_reason: enumFilter(BILLING_REASONS, 'billing_reason', (store, idx) => BILLING_REASONS[store.invoices.c.billingReason[idx]!]!),
    },
    expandable: EXPANDABLE.invoice!,
  },
  {
    name: 'invoiceitems',
    kind: 'invoiceitem',
    exists: (store, idx) => createdBy(store, 'invoiceitem', idx),
    render: (ctx, idx, expand) => renderInvoiceItem(ctx, idx, expand),
    customerOf: (store, idx) => store.invoiceItems.c.customer[idx]!,
    filters: {
      customer: idFilter('customer', (store, idx) => store.invoiceItems.c.customer[idx]!),
      invoice: idFilter('invoice', (store, idx) => store.invoiceItems.c.invoice[idx]!),
      pending: booleanFilter((store, idx) => store.invoiceItems.c.invoice[idx]! < 0),
    },
    expandable: EXPANDABLE.invoiceitem!,
  },
  {
    name: 'charges',
    kind: 'charge',
    exists: (store, idx) => createdBy(store, 'charge', idx),
    render: (ctx, idx, expand) => renderCharge(ctx, idx, expand),
    customerOf: (store, idx) => store.charges.c.customer[idx]!,
    filters: {
      customer: idFilter('customer', (store, idx) => store.charges.c.customer[idx]!),
      payment_intent: idFilter('payment_intent', (store, idx) => store.charges.c.invoice[idx]!),
    },
    expandable: EXPANDABLE.charge!,
  },
  {
    name: 'refunds',
    kind: 'refund',
    exists: (store, idx) => createdBy(store, 'refund', idx),
    render: (ctx, idx, expand) => renderRefund(ctx, idx, expand),
    filters: {
      charge: idFilter('charge', (store, idx) => store.refunds[idx]!.charge),
      payment_intent: idFilter('payment_intent', (store, idx) => store.charges.c.invoice[store.refunds[idx]!.charge]!),
    },
    expandable: EXPANDABLE.refund!,
  },
  {
    name: 'disputes',
    kind: 'dispute',
    exists: (store, idx) => createdBy(store, 'dispute', idx),
    render: (ctx, idx, expand) => renderDispute(ctx, idx, expand),
    filters: {
      charge: idFilter('charge', (store, idx) => store.disputes[idx]!.charge),
      payment_intent: idFilter('payment_intent', (store, idx) => store.charges.c.invoice[store.disputes[idx]!.charge]!),
    },
    expandable: EXPANDABLE.dispute!,
  },
  {
    name: 'balance_transactions',
    kind: 'balance_transaction',
    exists: (store, idx) => createdBy(store, 'balance_transaction', idx),
    render: (ctx, idx, expand) => renderBalanceTransaction(ctx, idx, expand),
    filters: {
      type: enumFilter(['charge', 'refund', 'adjustment', 'payout'], 'type', (store, idx) => {
        const category = TXN_CATEGORIES[store.balanceTransactions.c.category[idx]!];
        return category === 'dispute' || category === 'dispute_reversal' ? 'adjustment' : category!;
      }),
      currency: (value, store) => () => store.settings.defaultCurrency === value.toLowerCase(),
      source: (value, store) => {
        for (const kind of ['charge', 'refund', 'dispute', 'payout'] as const) {
          const source = store.lookup(kind, value);
          if (source !== undefined) {
            const code = TXN_SOURCES.indexOf(kind);
            return (idx) => store.balanceTransactions.c.sourceKind[idx] === code && store.balanceTransactions.c.source[idx] === source;
          }
        }
        return () => false;
      },
      payout: (value, store) => {
        const payout = store.lookup('payout', value);
        if (payout === undefined) return () => false;
        const txn = store.payouts[payout]!.balanceTransaction;
        return (idx) => idx === txn;
      },
    },
    expandable: EXPANDABLE.balance_transaction!,
  },
  {
    name: 'credit_notes',
    kind: 'credit_note',
    exists: (store, idx) => createdBy(store, 'credit_note', idx),
    render: (ctx, idx, expand) => renderCreditNote(ctx, idx, expand),
    filters: {
      customer: idFilter('customer', (store, idx) => store.creditNotes[idx]!.customer),
      invoice: idFilter('invoice', (store, idx) => store.creditNotes[idx]!.invoice),
    },
    expandable: EXPANDABLE.credit_note!,
  },
  {
    name: 'payment_methods',
    kind: 'payment_method',
    exists: (store, idx) => createdBy(store, 'payment_method', idx) && store.customers[store.paymentMethods[idx]!.customer]!.materialized,
    render: (ctx, idx, expand) => renderPaymentMethod(ctx, idx, expand),
    customerOf: (store, idx) => store.paymentMethods[idx]!.customer,
    filters: {
      customer: idFilter('customer', (store, idx) => store.paymentMethods[idx]!.customer),
      type: (value) => (value === 'card' ? () => true : () => false),
    },
    expandable: EXPANDABLE.payment_method!,
  },
  {
    name: 'payouts',
    kind: 'payout',
    exists: (store, idx) => createdBy(store, 'payout', idx),
    render: (ctx, idx) => renderPayout(ctx, idx),
    filters: {
      status: enumFilter(['pending', 'paid', 'failed', 'canceled', 'in_transit'], 'status', (store, idx) => (store.payouts[idx]!.arrivalDate <= store.now ? 'paid' : 'in_transit')),
    },
    expandable: EXPANDABLE.payout!,
  },
  {
    name: 'events',
    kind: 'event',
    exists: (store, idx) => createdBy(store, 'event', idx) && store.events.c.created[idx]! >= store.now - EVENT_RETENTION,
    render: (ctx, idx) => renderEvent(ctx.store, idx),
    filters: {
      type: (value, store) => {
        if (value.endsWith('.*')) {
          const prefix = value.slice(0, -1);
          return (idx) => EVENT_TYPES[store.events.c.type[idx]!]!.startsWith(prefix);
        }
        return (idx) => EVENT_TYPES[store.events.c.type[idx]!] === value;
      },
    },
    retention: EVENT_RETENTION,
    expandable: EXPANDABLE.event!,
  },
];

export const COLLECTION_BY_NAME = new Map(COLLECTIONS.map((spec) => [spec.name, spec]));

/** The listing order of a collection: rows by (created, index) ascending; Stripe lists it backwards. */
export class CollectionIndex {
  /** Row index at each position. */
  readonly order: Int32Array;
  /** Position of each row, -1 when not listed. */
  readonly positionOf: Int32Array;
  readonly createdAt: Uint32Array;
  private byCustomer: { offsets: Int32Array; positions: Int32Array } | null = null;

  constructor(
    readonly spec: CollectionSpec,
    private readonly store: AccountStore,
  ) {
    const count = store.count(spec.kind);
    const rows: number[] = [];
    for (let idx = 0; idx < count; idx++) if (spec.exists(store, idx)) rows.push(idx);
    const order = new Int32Array(rows.length);
    const SHIFT = 2 ** 23;
    if (count < SHIFT) {
      // Pack (created, idx) into one double so a typed-array sort does the work.
      const base = store.settings.accountCreated - 86_400 * 365;
      const keys = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) keys[i] = (store.created(spec.kind, rows[i]!) - base) * SHIFT + rows[i]!;
      keys.sort();
      for (let i = 0; i < keys.length; i++) order[i] = keys[i]! % SHIFT;
    } else {
      rows.sort((a, b) => store.created(spec.kind, a) - store.created(spec.kind, b) || a - b);
      order.set(rows);
    }
    this.order = order;
    this.positionOf = new Int32Array(count).fill(-1);
    this.createdAt = new Uint32Array(order.length);
    for (let p = 0; p < order.length; p++) {
      this.positionOf[order[p]!] = p;
      this.createdAt[p] = store.created(spec.kind, order[p]!);
    }
  }

  /** Positions whose rows the list shows. */
  get size(): number {
    if (this.listedCount === undefined) {
      const listed = this.spec.listed;
      let n = this.order.length;
      if (listed) for (const idx of this.order) if (!listed(this.store, idx)) n--;
      this.listedCount = n;
    }
    return this.listedCount;
  }

  /** Every listed row, newest first. */
  *newestFirst(): Generator<number> {
    const listed = this.spec.listed;
    for (let p = this.order.length - 1; p >= 0; p--) {
      const idx = this.order[p]!;
      if (!listed || listed(this.store, idx)) yield idx;
    }
  }

  private listedCount: number | undefined;

  /** First position whose created is >= t. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.createdAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.createdAt[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The positions of one customer's rows, ascending (built on first use). */
  positionsOfCustomer(customer: number): Int32Array {
    const customerOf = this.spec.customerOf;
    if (!customerOf) throw new Error(`${this.spec.name} has no customer index`);
    if (!this.byCustomer) {
      const customers = this.store.customers.length;
      const counts = new Int32Array(customers + 1);
      for (let p = 0; p < this.order.length; p++) counts[customerOf(this.store, this.order[p]!) + 1]!++;
      for (let i = 1; i <= customers; i++) counts[i]! += counts[i - 1]!;
      const offsets = counts.slice();
      const positions = new Int32Array(this.order.length);
      const fill = counts.slice();
      for (let p = 0; p < this.order.length; p++) positions[fill[customerOf(this.store, this.order[p]!)]!++] = p;
      this.byCustomer = { offsets, positions };
    }
    const { offsets, positions } = this.byCustomer;
    return positions.subarray(offsets[customer]!, offsets[customer + 1]!);
  }
}

/** The listing indexes of one account, rebuilt when its clock moves. */
export class AccountView {
  private indexes = new Map<string, CollectionIndex>();
  private version = -1;

  constructor(readonly account: DemoAccount) {}

  get store(): AccountStore {
    return this.account.store;
  }

  index(name: string): CollectionIndex {
    if (this.version !== this.account.version) {
      this.indexes.clear();
      this.version = this.account.version;
    }
    let index = this.indexes.get(name);
    if (!index) {
      const spec = COLLECTION_BY_NAME.get(name);
      if (!spec) throw new Error(`unknown collection ${name}`);
      index = new CollectionIndex(spec, this.store);
      this.indexes.set(name, index);
    }
    return index;
  }

  context(): RenderContext {
    return { store: this.store, asOf: this.store.now };
  }

  /** The row `id` names in a collection, if it exists as of the clock. */
  find(name: string, id: string): number | undefined {
    const spec = COLLECTION_BY_NAME.get(name)!;
    const idx = this.store.lookup(spec.kind, id);
    if (idx === undefined || !spec.exists(this.store, idx)) return undefined;
    return idx;
  }

  render(name: string, idx: number, expand: Expand = NO_EXPAND): Json {
    const spec = COLLECTION_BY_NAME.get(name)!;
    return spec.render(this.context(), idx, expand);
  }
}

