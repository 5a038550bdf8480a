import { EVENT_KINDS, EVENT_TYPES, type Kind } from '../kinds.js';
import { stateAtVersion, type Versioned } from '../model.js';
import type { AccountStore } from '../store.js';
import { renderCoupon, renderPrice, renderProduct } from './catalog.js';
import type { Json, RenderContext } from './context.js';
import { renderCustomer, renderPaymentMethod } from './customers.js';
import { renderCreditNote, renderInvoice, renderInvoiceItem } from './invoices.js';
import { renderCharge, renderDispute, renderPayout, renderRefund } from './payments.js';
import { renderSubscription } from './subscriptions.js';

/** The API version events are rendered in (what stripe 23.1.0 pins). */
export const API_VERSION = '2026-10-28.endive';

function renderAs(ctx: RenderContext, kind: Kind, idx: number): Json {
  const { store } = ctx;
  switch (kind) {
    case 'customer': return renderCustomer(ctx, idx);
    case 'subscription': return renderSubscription(ctx, idx);
    case 'invoice': return renderInvoice(ctx, idx);
    case 'invoiceitem': return renderInvoiceItem(ctx, idx);
    case 'charge': return renderCharge(ctx, idx);
    case 'refund': return renderRefund(ctx, idx);
    case 'dispute': return renderDispute(ctx, idx);
    case 'payment_method': return renderPaymentMethod(ctx, idx);
    case 'product': return renderProduct(ctx, idx);
    case 'price': return renderPrice(ctx, idx);
    case 'coupon': return renderCoupon(ctx, idx);
    case 'credit_note': return renderCreditNote(ctx, idx);
    case 'payout': return renderPayout(ctx, idx);
    default: throw new Error(`events never carry a ${kind}`);
  }
}

function versioned(store: AccountStore, kind: Kind, idx: number): Versioned<unknown> | null {
  if (kind === 'customer') return store.customers[idx]!;
  if (kind === 'subscription') return store.subscriptions[idx]!;
  if (kind === 'payment_method') return store.paymentMethods[idx]!;
  return null;
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && (value as Json)['object'] !== 'list';
}

/** Stripe's `previous_attributes`: the changed fields with their old values, nested objects narrowed to what changed in them. */
export function previousAttributes(before: Json, after: Json): Json {
  const out: Json = {};
  for (const key of Object.keys(after)) {
    const old = before[key];
    const now = after[key];
    if (JSON.stringify(old) === JSON.stringify(now)) continue;
    out[key] = isPlainObject(old) && isPlainObject(now) ? previousAttributes(old, now) : (old ?? null);
  }
  return out;
}

export function renderEvent(store: AccountStore, idx: number): Json {
  const c = store.events.c;
  const created = c.created[idx]!;
  const type = EVENT_TYPES[c.type[idx]!]!;
  const kind = EVENT_KINDS[c.kind[idx]!]!;
  const object = c.object[idx]!;
  const record = versioned(store, kind, object);
  const version = c.version[idx]!;
  // A versioned object shows the state its change produced (and the one before it);
  // others are rendered as of the event's second.
  const after = renderAs(record ? { store, asOf: created, pinned: { record, state: stateAtVersion(record, version) } } : { store, asOf: created }, kind, object);
  const data: Json = { object: after };
  if (type.endsWith('.updated')) {
    const before = renderAs(record ? { store, asOf: created, pinned: { record, state: stateAtVersion(record, version - 1) } } : { store, asOf: created - 1 }, kind, object);
    data['previous_attributes'] = previousAttributes(before, after);
  }
  return {
    id: store.id('event', idx),
    object: 'event',
    api_version: API_VERSION,
    created,
    data,
    livemode: false,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type,
  };
}
