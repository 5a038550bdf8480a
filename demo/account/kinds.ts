/**
 * Object kinds and event types, numbered so the event table can hold them in a
 * byte. Each kind has its id prefix and a tag that keys its id permutation.
 */
export const KINDS = {
  customer: { prefix: 'cus', short: true },
  product: { prefix: 'prod', short: true },
  price: { prefix: 'price', short: false },
  coupon: { prefix: '', short: true },
  tax_rate: { prefix: 'txr', short: false },
  payment_method: { prefix: 'pm', short: false },
  subscription: { prefix: 'sub', short: false },
  subscription_item: { prefix: 'si', short: true },
  discount: { prefix: 'di', short: false },
  invoice: { prefix: 'in', short: false },
  line_item: { prefix: 'il', short: false },
  invoiceitem: { prefix: 'ii', short: false },
  charge: { prefix: 'ch', short: false },
  payment_intent: { prefix: 'pi', short: false },
  balance_transaction: { prefix: 'txn', short: false },
  refund: { prefix: 're', short: false },
  dispute: { prefix: 'dp', short: false },
  credit_note: { prefix: 'cn', short: false },
  credit_note_line_item: { prefix: 'cnli', short: false },
  payout: { prefix: 'po', short: false },
  event: { prefix: 'evt', short: false },
} as const;

export type Kind = keyof typeof KINDS;
export const KIND_NAMES = Object.keys(KINDS) as Kind[];
export const KIND_TAG: Record<Kind, number> = Object.fromEntries(KIND_NAMES.map((kind, i) => [kind, i + 1])) as Record<Kind, number>;

export const EVENT_TYPES = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.trial_will_end',
  'invoice.created',
  'invoice.finalized',
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.payment_succeeded',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'invoiceitem.created',
  'charge.succeeded',
  'charge.failed',
  'charge.refunded',
  'charge.refund.updated',
  'charge.dispute.created',
  'charge.dispute.closed',
  'payment_method.attached',
  'payment_method.updated',
  'product.created',
  'price.created',
  'coupon.created',
  'credit_note.created',
  'payout.created',
  'payout.paid',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];
export const EVENT_TYPE_CODE: Record<EventType, number> = Object.fromEntries(EVENT_TYPES.map((type, i) => [type, i])) as Record<EventType, number>;

/** Kinds whose objects events can carry, in the byte stored per event. */
export const EVENT_KINDS: Kind[] = ['customer', 'subscription', 'invoice', 'invoiceitem', 'charge', 'refund', 'dispute', 'payment_method', 'product', 'price', 'coupon', 'credit_note', 'payout'];
export const EVENT_KIND_CODE = Object.fromEntries(EVENT_KINDS.map((kind, i) => [kind, i])) as Record<Kind, number>;
