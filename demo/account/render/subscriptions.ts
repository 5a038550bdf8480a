import type { SubscriptionItemRef, SubscriptionState } from '../model.js';
import { isMetered } from '../pricing.js';
import { renderDiscount, renderPlan, renderPrice } from './catalog.js';
import { NO_EXPAND, idOr, listOf, stateOf, type Expand, type Json, type RenderContext } from './context.js';
import { renderCustomer, renderPaymentMethod } from './customers.js';
import { renderInvoice } from './invoices.js';

/** Subscription items embedded in a subscription: Stripe shows 10 and says when there are more. */
export const EMBEDDED_LIST_LIMIT = 10;

export function renderSubscription(ctx: RenderContext, idx: number, expand: Expand = NO_EXPAND): Json {
  const { store } = ctx;
  const sub = store.subscriptions[idx]!;
  const s = stateOf(ctx, sub);
  const id = store.id('subscription', idx);
  const discountsExpand = expand.get('discounts');
  const items = s.items.slice(0, EMBEDDED_LIST_LIMIT).map((ref) => renderItemOf(ctx, s, ref, NO_EXPAND));
  return {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: s.billingCycleAnchor,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: s.cancelAt || null,
    cancel_at_period_end: s.cancelAtPeriodEnd,
    canceled_at: s.canceledAt || null,
    cancellation_details: { comment: s.cancellation.comment, feedback: s.cancellation.feedback, reason: s.cancellation.reason },
    collection_method: 'charge_automatically',
    created: sub.created,
    currency: sub.currency,
    customer: idOr(expand, 'customer', store.id('customer', sub.customer), (nested) => renderCustomer(ctx, sub.customer, nested)),
    customer_account: null,
    days_until_due: null,
    default_payment_method: idOr(expand, 'default_payment_method', s.defaultPm >= 0 ? store.id('payment_method', s.defaultPm) : null, (nested) => renderPaymentMethod(ctx, s.defaultPm, nested)),
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: s.discounts.map((d) => (discountsExpand ? renderDiscount(ctx, d) : store.id('discount', d))),
    ended_at: s.endedAt || null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: listOf(items, s.items.length > EMBEDDED_LIST_LIMIT, `/v1/subscription_items?subscription=${id}`),
    latest_invoice: idOr(expand, 'latest_invoice', s.latestInvoice >= 0 ? store.id('invoice', s.latestInvoice) : null, (nested) => renderInvoice(ctx, s.latestInvoice, nested)),
    livemode: false,
    managed_payments: { enabled: false },
    metadata: s.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: sub.created,
    status: s.status,
    test_clock: null,
    transfer_data: null,
    trial_end: s.trialEnd || null,
    trial_settings: { end_behavior: { missing_payment_method: sub.trialEndBehavior === 'cancel' ? 'cancel' : 'create_invoice' } },
    trial_start: s.trialStart || null,
  };
}

function renderItemOf(ctx: RenderContext, s: SubscriptionState, ref: SubscriptionItemRef, expand: Expand): Json {
  const { store } = ctx;
  const item = store.subscriptionItems[ref.item]!;
  const price = store.prices[ref.price]!;
  const json: Json = {
    id: store.id('subscription_item', ref.item),
    object: 'subscription_item',
    billing_thresholds: null,
    created: item.created,
    current_period_end: s.periodEnd,
    current_period_start: s.periodStart,
    discounts: [],
    metadata: item.metadata,
    plan: renderPlan(ctx, ref.price),
    price: renderPrice(ctx, ref.price, expand.get('price') ?? NO_EXPAND),
    quantity: ref.quantity,
    subscription: store.id('subscription', item.subscription),
    tax_rates: [],
  };
  // Metered items have no quantity in Stripe's answers.
  if (isMetered(price)) delete json['quantity'];
  return json;
}

/** The items a subscription has as of the context's instant, for the sub-list endpoint. */
export function subscriptionItemsOf(ctx: RenderContext, subscription: number): SubscriptionItemRef[] {
  return stateOf(ctx, ctx.store.subscriptions[subscription]!).items;
}

export function renderSubscriptionItem(ctx: RenderContext, itemIdx: number, expand: Expand = NO_EXPAND): Json | null {
  const item = ctx.store.subscriptionItems[itemIdx]!;
  const s = stateOf(ctx, ctx.store.subscriptions[item.subscription]!);
  const ref = s.items.find((candidate) => candidate.item === itemIdx);
  return ref ? renderItemOf(ctx, s, ref, expand) : null;
}
