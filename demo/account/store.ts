import { IdCodec } from './ids.js';
import { EVENT_KIND_CODE, EVENT_TYPE_CODE, KIND_TAG, KINDS, type EventType, type Kind } from './kinds.js';
import {
  newBalanceTransactions,
  newCharges,
  newEvents,
  newInvoiceItems,
  newInvoices,
  newLines,
  type Coupon,
  type CreditNote,
  type Customer,
  type Discount,
  type Dispute,
  type PaymentMethod,
  type Payout,
  type Price,
  type Product,
  type Refund,
  type Subscription,
  type SubscriptionItem,
  type TaxRate,
  type Versioned,
} from './model.js';
import { CURRENCIES, FxRates } from './money.js';
import { DAY } from './time.js';

export interface AccountSettings {
  seed: number;
  accountCreated: number;
  defaultCurrency: string;
  country: string;
  businessName: string;
  email: string;
}

/** How long Stripe lists events for. */
export const EVENT_RETENTION = 30 * DAY;

/**
 * Everything the account holds, plus the few services every part needs (ids,
 * exchange rates, event recording). The simulator writes it; renderers read it.
 */
export class AccountStore {
  readonly ids: IdCodec;
  readonly fx: FxRates;
  /** The account clock: everything up to this instant has happened. */
  now: number;
  /** Events and prior states older than this are not kept (they could never be listed). */
  horizon = 0;
  /** True once the clock has run at least once. */
  started = false;

  readonly products: Product[] = [];
  readonly prices: Price[] = [];
  readonly coupons: Coupon[] = [];
  readonly couponById = new Map<string, number>();
  readonly taxRates: TaxRate[] = [];
  readonly customers: Customer[] = [];
  readonly paymentMethods: PaymentMethod[] = [];
  readonly subscriptions: Subscription[] = [];
  readonly subscriptionItems: SubscriptionItem[] = [];
  readonly discounts: Discount[] = [];
  readonly refunds: Refund[] = [];
  readonly disputes: Dispute[] = [];
  readonly creditNotes: CreditNote[] = [];
  readonly payouts: Payout[] = [];

  readonly invoices = newInvoices();
  readonly lines = newLines();
  readonly invoiceItems = newInvoiceItems();
  readonly charges = newCharges();
  readonly balanceTransactions = newBalanceTransactions();
  readonly events = newEvents();

  readonly refundsByCharge = new Map<number, number[]>();
  readonly disputeByCharge = new Map<number, number>();
  /** Events that were due but fell before the retention window, for statistics. */
  droppedEvents = 0;

  constructor(readonly settings: AccountSettings) {
    this.ids = new IdCodec(settings.seed);
    this.fx = new FxRates(settings.seed, settings.defaultCurrency, settings.accountCreated);
    this.now = settings.accountCreated;
  }

  get accountId(): string {
    return `acct_1${this.ids.accountSegment}${this.ids.token(0xacc, 0, 5)}`;
  }

  currencyCode(currency: string): number {
    return CURRENCIES.indexOf(currency);
  }

  currencyOf(code: number): string {
    return CURRENCIES[code]!;
  }

  /** Ids of the small catalog kinds, which every invoice line and item repeats. */
  private readonly idCache = new Map<Kind, string[]>([['product', []], ['price', []], ['tax_rate', []]]);

  /** The Stripe id of row `idx` of `kind`. */
  id(kind: Kind, idx: number): string {
    if (kind === 'coupon') return this.coupons[idx]!.id;
    const cache = this.idCache.get(kind);
    if (cache) return (cache[idx] ??= this.computeId(kind, idx));
    return this.computeId(kind, idx);
  }

  private computeId(kind: Kind, idx: number): string {
    const spec = KINDS[kind];
    const created = this.created(kind, idx);
    return spec.short ? this.ids.short(spec.prefix, KIND_TAG[kind], idx, created) : this.ids.long(spec.prefix, KIND_TAG[kind], idx, created);
  }

  /** The row an id names, if it is one of ours (whether or not it exists yet). */
  lookup(kind: Kind, id: string): number | undefined {
    if (kind === 'coupon') return this.couponById.get(id);
    const spec = KINDS[kind];
    if (!id.startsWith(`${spec.prefix}_`)) return undefined;
    const idx = this.ids.decode(KIND_TAG[kind], id);
    if (idx === undefined || idx >= this.count(kind)) return undefined;
    return this.id(kind, idx) === id ? idx : undefined;
  }

  count(kind: Kind): number {
    switch (kind) {
      case 'customer': return this.customers.length;
      case 'product': return this.products.length;
      case 'price': return this.prices.length;
      case 'coupon': return this.coupons.length;
      case 'tax_rate': return this.taxRates.length;
      case 'payment_method': return this.paymentMethods.length;
      case 'subscription': return this.subscriptions.length;
      case 'subscription_item': return this.subscriptionItems.length;
      case 'discount': return this.discounts.length;
      case 'invoice': return this.invoices.length;
      case 'payment_intent': return this.invoices.length;
      case 'line_item': return this.lines.length;
      case 'invoiceitem': return this.invoiceItems.length;
      case 'charge': return this.charges.length;
      case 'balance_transaction': return this.balanceTransactions.length;
      case 'refund': return this.refunds.length;
      case 'dispute': return this.disputes.length;
      case 'credit_note': return this.creditNotes.length;
      case 'credit_note_line_item': return this.creditNotes.length;
      case 'payout': return this.payouts.length;
      case 'event': return this.events.length;
    }
  }

  created(kind: Kind, idx: number): number {
    switch (kind) {
      case 'customer': return this.customers[idx]!.created;
      case 'product': return this.products[idx]!.created;
      case 'price': return this.prices[idx]!.created;
      case 'coupon': return this.coupons[idx]!.created;
      case 'tax_rate': return this.taxRates[idx]!.created;
      case 'payment_method': return this.paymentMethods[idx]!.created;
      case 'subscription': return this.subscriptions[idx]!.created;
      case 'subscription_item': return this.subscriptionItems[idx]!.created;
      case 'discount': return this.discounts[idx]!.created;
      case 'invoice': return this.invoices.c.created[idx]!;
      case 'payment_intent': return this.invoices.c.created[idx]!;
      case 'line_item': return this.invoices.c.created[this.lines.c.invoice[idx]!]!;
      case 'invoiceitem': return this.invoiceItems.c.created[idx]!;
      case 'charge': return this.charges.c.created[idx]!;
      case 'balance_transaction': return this.balanceTransactions.c.created[idx]!;
      case 'refund': return this.refunds[idx]!.created;
      case 'dispute': return this.disputes[idx]!.created;
      case 'credit_note': return this.creditNotes[idx]!.created;
      case 'credit_note_line_item': return this.creditNotes[idx]!.created;
      case 'payout': return this.payouts[idx]!.created;
      case 'event': return this.events.c.created[idx]!;
    }
  }

  /** Records an event if it can still be listed at the end of the current run of the clock. */
  emit(type: EventType, kind: Kind, idx: number, at: number): void {
    if (at < this.horizon) {
      this.droppedEvents++;
      return;
    }
    const events = this.events;
    const row = events.add();
    events.c.created[row] = at;
    events.c.type[row] = EVENT_TYPE_CODE[type];
    events.c.kind[row] = EVENT_KIND_CODE[kind];
    events.c.object[row] = idx;
    events.c.version[row] = this.versionOf(kind, idx);
  }

  /**
   * Changes a versioned record at `at`. The prior state is kept (as the object
   * it was; `copy` makes the new one) when an event could still render it.
   * `change` may edit the state in place but must replace, not edit, anything
   * `copy` does not copy.
   */
  mutate<S extends object>(record: Versioned<S>, at: number, change: (state: S) => void, copy: (state: S) => S = shallowCopy): void {
    if (at >= this.horizon) {
      const history = (record.history ??= { entries: [] });
      history.entries.push([at, record.s, record.version]);
      record.s = copy(record.s);
    }
    record.version++;
    change(record.s);
  }

  /** The version an event about this object announces (-1 for objects rendered by time alone). */
  private versionOf(kind: Kind, idx: number): number {
    if (kind === 'customer') return this.customers[idx]!.version;
    if (kind === 'subscription') return this.subscriptions[idx]!.version;
    if (kind === 'payment_method') return this.paymentMethods[idx]!.version;
    return -1;
  }

  /** Drops prior states that no listable event can need any more. */
  pruneHistory(record: Versioned<unknown>): void {
    const history = record.history;
    if (!history) return;
    const keep = history.entries.filter(([until]) => until > this.horizon);
    history.entries = keep;
    if (keep.length === 0) record.history = null;
  }
}

function shallowCopy<S extends object>(state: S): S {
  return { ...state };
}
