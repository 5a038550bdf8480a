import { COLLECTION_BY_NAME, type AccountView } from '../account/collections.js';
import { renderAccount } from '../account/render/account.js';
import { renderPaymentMethod } from '../account/render/customers.js';
import { renderCreditNoteLine, renderLine } from '../account/render/invoices.js';
import { renderRefund } from '../account/render/payments.js';
import { renderSubscriptionItem, subscriptionItemsOf } from '../account/render/subscriptions.js';
import type { Json } from '../account/render/context.js';
import { noSuch, unrecognizedUrl, invalidParam } from './errors.js';
import { arrayPage, checkParams, listPage, parseExpand, parseList, parsePage } from './listing.js';
import type { QueryParams } from './query.js';
import type { ListText, RenderCache } from './renderCache.js';

export interface Answer {
  /** The route pattern, for statistics: `GET /v1/customers/:id`. */
  route: string;
  body: Json | ListText;
}

/** Answers one GET of Stripe's API from the account view (throws ApiError for Stripe's error answers). */
export function answerGet(view: AccountView, path: string, query: QueryParams, cache?: RenderCache): Answer {
  const parts = path.split('/').filter(Boolean).map((part) => decodeURIComponent(part));
  if (parts[0] !== 'v1' || parts.length < 2) throw unrecognizedUrl('GET', path);
  const [, resource, id, sub, subId] = parts as [string, string, string?, string?, string?];
  const store = view.store;

  if (resource === 'account' && parts.length === 2) {
    checkParams(query, ['expand']);
    return { route: 'GET /v1/account', body: renderAccount(store) };
  }

  if (resource === 'subscription_items') {
    if (id === undefined) {
      checkParams(query, ['subscription', 'limit', 'starting_after', 'ending_before', 'expand']);
      const subscriptionId = query.values.get('subscription');
      if (!subscriptionId) throw invalidParam('subscription', 'Missing required param: subscription.');
      const subscription = view.find('subscriptions', subscriptionId);
      if (subscription === undefined) throw noSuch('subscription', subscriptionId, 'subscription', 400);
      const request = parsePage(query, 'subscription_item');
      const ctx = view.context();
      const items = subscriptionItemsOf(ctx, subscription);
      const url = '/v1/subscription_items';
      return {
        route: 'GET /v1/subscription_items',
        body: arrayPage(items, (ref) => store.id('subscription_item', ref.item), 'subscription_item', request, (ref) => renderSubscriptionItem(ctx, ref.item, request.expand)!, url),
      };
    }
    if (parts.length === 3) {
      checkParams(query, ['expand']);
      const expand = parseExpand(query, 'subscription_item', false);
      const idx = store.lookup('subscription_item', id);
      const item = idx === undefined ? null : renderSubscriptionItem(view.context(), idx, expand);
      if (idx === undefined || !item || !store.subscriptions[store.subscriptionItems[idx]!.subscription]!.materialized) throw noSuch('subscription_item', id, 'id');
      return { route: 'GET /v1/subscription_items/:id', body: item };
    }
    throw unrecognizedUrl('GET', path);
  }

  const spec = COLLECTION_BY_NAME.get(resource);
  if (!spec) throw unrecognizedUrl('GET', path);
  const listRoute = `GET /v1/${resource}`;

  if (id === undefined) {
    const request = parseList(view, spec, query, resource === 'events' ? ['types', 'delivery_success'] : []);
    return { route: listRoute, body: listPage(view, spec, request, `/v1/${resource}`, cache) };
  }

  const idx = view.find(resource, id);
  if (idx === undefined) throw noSuch(spec.kind, id, 'id');
  const ctx = view.context();

  if (sub === undefined) {
    checkParams(query, ['expand']);
    const expand = parseExpand(query, spec.kind, false);
    const deleted = spec.renderDeleted?.(ctx, idx);
    return { route: `${listRoute}/:id`, body: deleted ?? spec.render(ctx, idx, expand) };
  }

  if (resource === 'invoices' && sub === 'lines' && subId === undefined) {
    checkParams(query, ['limit', 'starting_after', 'ending_before', 'expand']);
    const request = parsePage(query, 'line_item');
    const c = store.invoices.c;
    const start = c.lineStart[idx]!;
    const lines = Array.from({ length: c.lineCount[idx]! }, (_, i) => start + i);
    return {
      route: 'GET /v1/invoices/:id/lines',
      body: arrayPage(lines, (line) => store.id('line_item', line), 'line_item', request, (line) => renderLine(ctx, line, request.expand), `/v1/invoices/${id}/lines`),
    };
  }

  if (resource === 'charges' && sub === 'refunds' && subId === undefined) {
    checkParams(query, ['limit', 'starting_after', 'ending_before', 'expand']);
    const request = parsePage(query, 'refund');
    const refunds = (store.refundsByCharge.get(idx) ?? []).filter((r) => store.refunds[r]!.created <= store.now).reverse();
    return {
      route: 'GET /v1/charges/:id/refunds',
      body: arrayPage(refunds, (r) => store.id('refund', r), 'refund', request, (r) => renderRefund(ctx, r, request.expand), `/v1/charges/${id}/refunds`),
    };
  }

  if (resource === 'credit_notes' && sub === 'lines' && subId === undefined) {
    checkParams(query, ['limit', 'starting_after', 'ending_before', 'expand']);
    const request = parsePage(query, 'credit_note');
    const firstLine = store.invoices.c.lineStart[store.creditNotes[idx]!.invoice]!;
    return {
      route: 'GET /v1/credit_notes/:id/lines',
      body: arrayPage([idx], (cn) => store.id('credit_note_line_item', cn), 'credit_note', request, (cn) => renderCreditNoteLine(ctx, cn, firstLine), `/v1/credit_notes/${id}/lines`),
    };
  }

  if (resource === 'customers' && sub === 'payment_methods') {
    const customer = store.customers[idx]!;
    const methods = customer.paymentMethods.filter((pm) => store.paymentMethods[pm]!.created <= store.now);
    if (subId !== undefined) {
      checkParams(query, ['expand']);
      const expand = parseExpand(query, 'payment_method', false);
      const pm = store.lookup('payment_method', subId);
      if (pm === undefined || !methods.includes(pm)) throw noSuch('payment_method', subId, 'payment_method');
      return { route: 'GET /v1/customers/:id/payment_methods/:id', body: renderPaymentMethod(ctx, pm, expand) };
    }
    checkParams(query, ['limit', 'starting_after', 'ending_before', 'expand', 'type', 'allow_redisplay']);
    const type = query.values.get('type');
    const request = parsePage(query, 'payment_method');
    // Newest first, like the top-level lists.
    const rows = type === undefined || type === 'card' ? [...methods].reverse() : [];
    return {
      route: 'GET /v1/customers/:id/payment_methods',
      body: arrayPage(rows, (pm) => store.id('payment_method', pm), 'payment_method', request, (pm) => renderPaymentMethod(ctx, pm, request.expand), `/v1/customers/${id}/payment_methods`),
    };
  }

  throw unrecognizedUrl('GET', path);
}

