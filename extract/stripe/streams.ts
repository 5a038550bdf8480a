import type { ListParams, StripeList, StripeObject, StripeReadApi } from './client.js';

/**
 * The one list of Stripe streams. Everything else (backfill, incremental sync,
 * raw tables, the CLI's --stream choices) is driven by it, so adding a Stripe
 * object is one entry here (and one staging model downstream).
 */

/** An embedded list Stripe truncates (10 entries) and that we page in full. */
export interface SubListDefinition {
  /** The field of the parent holding the list object. */
  readonly field: string;
  /** Names the list in messages: "invoice in_123 lines". */
  readonly label: string;
  readonly list: (api: StripeReadApi, parentId: string, params: ListParams) => Promise<StripeList>;
}

/** An expanded object inside another stream's object that we also store in its own stream. */
export interface EmbeddedCopy {
  readonly stream: string;
  /** Path inside the parent; the value is copied only when it is an expanded object (not an id). */
  readonly path: readonly string[];
}

export type IncrementalMode =
  /** Objects that change: refetched by id when an event names them. */
  | 'events'
  /** Append-only: listed by `created` since the cursor. */
  | 'created'
  /** One object, read every run (the account). */
  | 'singleton'
  /** No list of its own: filled from other streams' expansions and refetched by id on its events. */
  | 'derived';

export interface StreamDefinition {
  /** The API list name, which is also the raw table: raw_stripe.<name>. */
  readonly name: string;
  /** Stripe's `object` value for this stream's objects. */
  readonly objectType: string;
  readonly incremental: IncrementalMode;
  /** Lists a page; absent for singleton and derived streams. */
  readonly list?: (api: StripeReadApi, params: ListParams) => Promise<StripeList>;
  /** Filters the list needs to show everything (subscriptions hide canceled ones without status=all). */
  readonly listParams?: ListParams;
  readonly retrieve?: (api: StripeReadApi, id: string, params: ListParams) => Promise<StripeObject>;
  /** Expansions on the object (`tiers`); list calls prefix them with `data.`. */
  readonly expand: readonly string[];
  /** Event `data.object.object` values whose events name an object of this stream. */
  readonly eventObjects: readonly string[];
  readonly subLists: readonly SubListDefinition[];
  readonly embedded: readonly EmbeddedCopy[];
  /**
   * The list returns every object that exists, so after a complete read an
   * object we hold that the list did not return was deleted. Not true of
   * events (30 days) or of derived streams.
   */
  readonly listShowsAll: boolean;
  /** Fields holding a customer id; customers named here that we lack are retrieved (deleted customers are not listed). */
  readonly customerFields: readonly string[];
  /** Backfill range: the account's whole history, or the 30 days Stripe keeps events. */
  readonly history: 'all' | 'last_30_days';
  /**
   * Windows a full read starts with (8 unless said). The catalog (products, prices, coupons) is a
   * handful to a few hundred objects in a SaaS account: one window reads it in a request or
   * two where eight take eight. A catalog that turns out long is split like any long window
   * once the reading runs short of windows.
   */
  readonly backfillWindows?: number;
}

const base = {
  expand: [],
  eventObjects: [],
  subLists: [],
  embedded: [],
  customerFields: [],
  history: 'all',
} as const;

export const streams: readonly StreamDefinition[] = [
  {
    ...base,
    name: 'account',
    objectType: 'account',
    incremental: 'singleton',
    eventObjects: ['account'],
    listShowsAll: false,
  },
  {
    ...base,
    name: 'customers',
    objectType: 'customer',
    incremental: 'events',
    list: (api, params) => api.customers.list(params),
    retrieve: (api, id, params) => api.customers.retrieve(id, params),
    expand: ['invoice_settings.default_payment_method'],
    eventObjects: ['customer'],
    embedded: [{ stream: 'payment_methods', path: ['invoice_settings', 'default_payment_method'] }],
    listShowsAll: true,
  },
  {
    ...base,
    name: 'products',
    backfillWindows: 1,
    objectType: 'product',
    incremental: 'events',
    list: (api, params) => api.products.list(params),
    retrieve: (api, id, params) => api.products.retrieve(id, params),
    eventObjects: ['product'],
    listShowsAll: true,
  },
  {
    ...base,
    name: 'prices',
    backfillWindows: 1,
    objectType: 'price',
    incremental: 'events',
    list: (api, params) => api.prices.list(params),
    retrieve: (api, id, params) => api.prices.retrieve(id, params),
    expand: ['tiers'],
    eventObjects: ['price', 'plan'],
    listShowsAll: true,
  },
  {
    ...base,
    name: 'coupons',
    backfillWindows: 1,
    objectType: 'coupon',
    incremental: 'events',
    list: (api, params) => api.coupons.list(params),
    retrieve: (api, id, params) => api.coupons.retrieve(id, params),
    eventObjects: ['coupon'],
    listShowsAll: true,
  },
  {
    ...base,
    name: 'subscriptions',
    objectType: 'subscription',
    incremental: 'events',
    list: (api, params) => api.subscriptions.list(params),
    listParams: { status: 'all' },
    retrieve: (api, id, params) => api.subscriptions.retrieve(id, params),
    expand: ['discounts', 'default_payment_method'],
    eventObjects: ['subscription'],
    subLists: [
      {
        field: 'items',
        label: 'items',
        list: (api, subscriptionId, params) => api.subscriptionItems.list({ ...params, subscription: subscriptionId }),
      },
    ],
    embedded: [{ stream: 'payment_methods', path: ['default_payment_method'] }],
    customerFields: ['customer'],
    listShowsAll: true,
  },
  {
    ...base,
    name: 'invoices',
    objectType: 'invoice',
    incremental: 'events',
    list: (api, params) => api.invoices.list(params),
    retrieve: (api, id, params) => api.invoices.retrieve(id, params),
    // Discounts as objects: once Stripe removes an ended discount from its
    // subscription, the invoices it applied to are its only record.
    expand: ['discounts'],
    eventObjects: ['invoice'],
    subLists: [{ field: 'lines', label: 'lines', list: (api, invoiceId, params) => api.invoices.listLineItems(invoiceId, params) }],
    customerFields: ['customer'],
    listShowsAll: true,
  },
  {
    ...base,
    name: 'invoiceitems',
    objectType: 'invoiceitem',
    incremental: 'events',
    list: (api, params) => api.invoiceItems.list(params),
    retrieve: (api, id, params) => api.invoiceItems.retrieve(id, params),
    eventObjects: ['invoiceitem'],
    customerFields: ['customer'],
    listShowsAll: true,
  },
  {
    ...base,
    name: 'charges',
    objectType: 'charge',
    incremental: 'events',
    list: (api, params) => api.charges.list(params),
    retrieve: (api, id, params) => api.charges.retrieve(id, params),
    eventObjects: ['charge'],
    customerFields: ['customer'],
    listShowsAll: true,
  },
  {
    ...base,
    name: 'refunds',
    objectType: 'refund',
    incremental: 'events',
    list: (api, params) => api.refunds.list(params),
    retrieve: (api, id, params) => api.refunds.retrieve(id, params),
    eventObjects: ['refund'],
    listShowsAll: true,
  },
  {
    ...base,
    name: 'disputes',
    objectType: 'dispute',
    incremental: 'events',
    list: (api, params) => api.disputes.list(params),
    retrieve: (api, id, params) => api.disputes.retrieve(id, params),
    eventObjects: ['dispute'],
    listShowsAll: true,
  },
  {
    ...base,
    name: 'balance_transactions',
    objectType: 'balance_transaction',
    incremental: 'created',
    list: (api, params) => api.balanceTransactions.list(params),
    retrieve: (api, id, params) => api.balanceTransactions.retrieve(id, params),
    listShowsAll: true,
  },
  {
    ...base,
    name: 'credit_notes',
    objectType: 'credit_note',
    incremental: 'events',
    list: (api, params) => api.creditNotes.list(params),
    retrieve: (api, id, params) => api.creditNotes.retrieve(id, params),
    eventObjects: ['credit_note'],
    customerFields: ['customer'],
    listShowsAll: true,
  },
  {
    ...base,
    name: 'payment_methods',
    objectType: 'payment_method',
    incremental: 'derived',
    retrieve: (api, id, params) => api.paymentMethods.retrieve(id, params),
    eventObjects: ['payment_method'],
    customerFields: ['customer'],
    listShowsAll: false,
  },
  {
    ...base,
    name: 'events',
    objectType: 'event',
    incremental: 'created',
    list: (api, params) => api.events.list(params),
    retrieve: (api, id, params) => api.events.retrieve(id, params),
    listShowsAll: false,
    history: 'last_30_days',
  },
];

export const streamNames: readonly string[] = streams.map((stream) => stream.name);

export function streamByName(name: string): StreamDefinition | undefined {
  return streams.find((stream) => stream.name === name);
}

/** Which stream an event's object belongs to; undefined for objects we do not store (payment intents, ...). */
export function streamForEventObject(objectType: string): StreamDefinition | undefined {
  return streams.find((stream) => stream.eventObjects.includes(objectType));
}

/**
 * A `discount` event names no object of ours but changes the customer and
 * subscription it belongs to: those are what to refetch.
 */
export function objectsNamedByDiscount(discount: Record<string, unknown>): { stream: string; id: string }[] {
  const out: { stream: string; id: string }[] = [];
  const idOf = (value: unknown): string | undefined =>
    typeof value === 'string' ? value : value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : undefined;
  const customer = idOf(discount['customer']);
  const subscription = idOf(discount['subscription']);
  if (customer) out.push({ stream: 'customers', id: customer });
  if (subscription) out.push({ stream: 'subscriptions', id: subscription });
  return out;
}

export function listExpand(stream: StreamDefinition): string[] {
  return stream.expand.map((path) => `data.${path}`);
}

/** Streams that produce an embedded copy into `target` (customers and subscriptions for payment methods). */
export function streamsEmbedding(target: string): StreamDefinition[] {
  return streams.filter((stream) => stream.embedded.some((copy) => copy.stream === target));
}
