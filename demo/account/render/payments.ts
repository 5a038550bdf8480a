import { BILLING_REASONS, CHARGE_FAILURES, TXN_CATEGORIES, TXN_SOURCES } from '../model.js';
import { startOfDay, DAY } from '../time.js';
import type { AccountStore } from '../store.js';
import { EMPTY_ADDRESS, NO_EXPAND, idOr, listOf, type Expand, type Json, type RenderContext } from './context.js';
import { renderCustomer } from './customers.js';
import { stateAt } from '../model.js';

const FAILURE_MESSAGES: Record<string, string> = {
  card_declined: 'Your card was declined.',
  expired_card: 'Your card has expired.',
  insufficient_funds: 'Your card has insufficient funds.',
};

function chargeDescription(store: AccountStore, charge: number): string {
  const inv = store.charges.c.invoice[charge]!;
  if (inv < 0) return 'Payment';
  return BILLING_REASONS[store.invoices.c.billingReason[inv]!] === 'subscription_create' ? 'Subscription creation' : 'Subscription update';
}

export function renderCharge(ctx: RenderContext, charge: number, expand: Expand = NO_EXPAND): Json {
  const { store, asOf } = ctx;
  const c = store.charges.c;
  const id = store.id('charge', charge);
  const succeeded = c.succeeded[charge] === 1;
  const failure = CHARGE_FAILURES[c.failureCode[charge]!] || null;
  const amount = c.amount[charge]!;
  const refunds = (store.refundsByCharge.get(charge) ?? []).filter((r) => store.refunds[r]!.created <= asOf);
  const refunded = refunds.reduce((sum, r) => sum + store.refunds[r]!.amount, 0);
  const dispute = store.disputeByCharge.get(charge);
  const disputed = dispute !== undefined && store.disputes[dispute]!.created <= asOf;
  const pmIdx = c.paymentMethod[charge]!;
  const pm = pmIdx >= 0 ? store.paymentMethods[pmIdx]! : null;
  const card = pm ? stateAt(pm, c.created[charge]!) : null;
  const customerIdx = c.customer[charge]!;
  const customer = store.customers[customerIdx]!;
  const owner = stateAt(customer, c.created[charge]!);
  const txn = c.balanceTransaction[charge]!;
  const inv = c.invoice[charge]!;
  const currency = store.currencyOf(c.currency[charge]!);
  return {
    id,
    object: 'charge',
    amount,
    amount_captured: succeeded ? amount : 0,
    amount_refunded: refunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: txn >= 0 ? idOr(expand, 'balance_transaction', store.id('balance_transaction', txn), (nested) => renderBalanceTransaction(ctx, txn, nested)) : null,
    billing_details: { address: { ...EMPTY_ADDRESS, country: customer.country }, email: owner.email, name: owner.name, phone: null, tax_id: null },
    calculated_statement_descriptor: store.settings.businessName.toUpperCase().slice(0, 22),
    captured: succeeded,
    created: c.created[charge]!,
    currency,
    customer: idOr(expand, 'customer', store.id('customer', customerIdx), (nested) => renderCustomer(ctx, customerIdx, nested)),
    description: chargeDescription(store, charge),
    disputed,
    failure_balance_transaction: null,
    failure_code: failure,
    failure_message: failure ? (FAILURE_MESSAGES[failure] ?? 'Your card was declined.') : null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: succeeded
      ? { advice_code: null, network_advice_code: null, network_decline_code: null, network_status: 'approved_by_network', reason: null, seller_message: 'Payment complete.', type: 'authorized' }
      : { advice_code: 'try_again_later', network_advice_code: null, network_decline_code: null, network_status: 'declined_by_network', reason: failure === 'expired_card' ? 'expired_card' : 'generic_decline', seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined' },
    paid: succeeded,
    payment_intent: inv >= 0 ? store.id('payment_intent', inv) : null,
    payment_method: pm ? store.id('payment_method', pmIdx) : null,
    payment_method_details: pm && card
      ? {
          card: {
            amount_authorized: succeeded ? amount : null,
            authorization_code: succeeded ? String(100000 + (charge % 900000)) : null,
            brand: pm.brand,
            checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: null },
            country: pm.country,
            exp_month: card.expMonth,
            exp_year: card.expYear,
            extended_authorization: { status: 'disabled' },
            fingerprint: store.ids.token(0xf1, pmIdx, 16),
            funding: pm.funding,
            incremental_authorization: { status: 'unavailable' },
            installments: null,
            last4: pm.last4,
            mandate: null,
            multicapture: { status: 'unavailable' },
            network: pm.brand,
            network_token: { used: false },
            network_transaction_id: store.ids.token(0x7e7, charge, 15),
            overcapture: { maximum_amount_capturable: amount, status: 'unavailable' },
            regulated_status: 'unregulated',
            three_d_secure: null,
            transaction_link_id: null,
            wallet: null,
          },
          type: 'card',
        }
      : null,
    receipt_email: null,
    receipt_number: null,
    receipt_url: succeeded ? `https://pay.stripe.com/receipts/invoices/${store.ids.token(0x4ec, charge, 60)}` : null,
    refunded: refunded >= amount && amount > 0,
    refunds: listOf(
      refunds.map((r) => renderRefund(ctx, r)),
      false,
      `/v1/charges/${id}/refunds`,
    ),
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: succeeded ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: null,
  };
}

const TXN_TYPE: Record<(typeof TXN_CATEGORIES)[number], string> = {
  charge: 'charge',
  refund: 'refund',
  dispute: 'adjustment',
  dispute_reversal: 'adjustment',
  payout: 'payout',
};

export function renderBalanceTransaction(ctx: RenderContext, txn: number, expand: Expand = NO_EXPAND): Json {
  const { store, asOf } = ctx;
  const c = store.balanceTransactions.c;
  const category = TXN_CATEGORIES[c.category[txn]!]!;
  const sourceKind = TXN_SOURCES[c.sourceKind[txn]!]!;
  const source = c.source[txn]!;
  const created = c.created[txn]!;
  const availableOn = category === 'payout' ? created : startOfDay(created) + 2 * DAY;
  const amount = c.amount[txn]!;
  const fee = c.fee[txn]!;
  const currency = store.settings.defaultCurrency;
  const rate = c.exchangeRate[txn]!;
  let description: string;
  let sourceId: string;
  let renderSource: (nested: Expand) => Json;
  switch (sourceKind) {
    case 'charge':
      sourceId = store.id('charge', source);
      description = chargeDescription(store, source);
      renderSource = (nested) => renderCharge(ctx, source, nested);
      break;
    case 'refund': {
      const charge = store.refunds[source]!.charge;
      sourceId = store.id('refund', source);
      description = `REFUND FOR CHARGE (${chargeDescription(store, charge)})`;
      renderSource = (nested) => renderRefund(ctx, source, nested);
      break;
    }
    case 'dispute': {
      const charge = store.disputes[source]!.charge;
      sourceId = store.id('dispute', source);
      description = category === 'dispute' ? `Chargeback withdrawal for ${store.id('charge', charge)}` : `Chargeback reversal for ${store.id('charge', charge)}`;
      renderSource = (nested) => renderDispute(ctx, source, nested);
      break;
    }
    case 'payout':
      sourceId = store.id('payout', source);
      description = 'STRIPE PAYOUT';
      renderSource = () => renderPayout(ctx, source);
      break;
  }
  return {
    id: store.id('balance_transaction', txn),
    object: 'balance_transaction',
    amount,
    available_on: availableOn,
    balance_type: 'payments',
    created,
    currency,
    description,
    exchange_rate: rate === 0 ? null : rate,
    fee,
    fee_details: fee === 0 ? [] : [{ amount: fee, application: null, currency, description: sourceKind === 'dispute' ? 'Dispute fee' : 'Stripe processing fees', type: 'stripe_fee' }],
    net: amount - fee,
    reporting_category: category,
    source: idOr(expand, 'source', sourceId, renderSource),
    status: availableOn <= asOf ? 'available' : 'pending',
    type: TXN_TYPE[category],
  };
}

export function renderRefund(ctx: RenderContext, idx: number, expand: Expand = NO_EXPAND): Json {
  const { store, asOf } = ctx;
  const refund = store.refunds[idx]!;
  const c = store.charges.c;
  const charge = refund.charge;
  const inv = c.invoice[charge]!;
  const txn = refund.balanceTransaction;
  return {
    id: store.id('refund', idx),
    object: 'refund',
    amount: refund.amount,
    balance_transaction: idOr(expand, 'balance_transaction', store.id('balance_transaction', txn), (nested) => renderBalanceTransaction(ctx, txn, nested)),
    charge: idOr(expand, 'charge', store.id('charge', charge), (nested) => renderCharge(ctx, charge, nested)),
    created: refund.created,
    currency: store.currencyOf(c.currency[charge]!),
    customer: store.id('customer', c.customer[charge]!),
    customer_account: null,
    destination_details: { card: { type: 'refund' }, type: 'card' },
    metadata: {},
    payment_intent: inv >= 0 ? store.id('payment_intent', inv) : null,
    payment_method: c.paymentMethod[charge]! >= 0 ? store.id('payment_method', c.paymentMethod[charge]!) : null,
    reason: refund.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: refund.succeededAt <= asOf ? 'succeeded' : 'pending',
    transfer_reversal: null,
  };
}

const EVIDENCE_KEYS = [
  'access_activity_log', 'billing_address', 'cancellation_policy', 'cancellation_policy_disclosure', 'cancellation_rebuttal',
  'customer_communication', 'customer_email_address', 'customer_name', 'customer_purchase_ip', 'customer_signature',
  'duplicate_charge_documentation', 'duplicate_charge_explanation', 'duplicate_charge_id', 'product_description', 'receipt',
  'refund_policy', 'refund_policy_disclosure', 'refund_refusal_explanation', 'service_date', 'service_documentation',
  'shipping_address', 'shipping_carrier', 'shipping_date', 'shipping_documentation', 'shipping_tracking_number',
  'uncategorized_file', 'uncategorized_text',
];

export function renderDispute(ctx: RenderContext, idx: number, expand: Expand = NO_EXPAND): Json {
  const { store, asOf } = ctx;
  const dispute = store.disputes[idx]!;
  const c = store.charges.c;
  const charge = dispute.charge;
  const closed = dispute.closedAt > 0 && dispute.closedAt <= asOf;
  const fought = dispute.plannedOutcome === 'won';
  const status = closed ? dispute.outcome! : fought && asOf >= dispute.created + 7 * DAY ? 'under_review' : 'needs_response';
  const evidence: Json = Object.fromEntries(EVIDENCE_KEYS.map((key) => [key, null]));
  evidence['enhanced_evidence'] = {};
  if (fought && asOf >= dispute.created + 7 * DAY) evidence['uncategorized_text'] = 'Customer used the service during the disputed period; usage logs attached.';
  const pmIdx = c.paymentMethod[charge]!;
  const pm = pmIdx >= 0 ? store.paymentMethods[pmIdx]! : null;
  const inv = c.invoice[charge]!;
  return {
    id: store.id('dispute', idx),
    object: 'dispute',
    amount: dispute.amount,
    balance_transactions: dispute.balanceTransactions.filter((t) => store.balanceTransactions.c.created[t]! <= asOf).map((t) => renderBalanceTransaction(ctx, t)),
    charge: idOr(expand, 'charge', store.id('charge', charge), (nested) => renderCharge(ctx, charge, nested)),
    created: dispute.created,
    currency: store.currencyOf(c.currency[charge]!),
    enhanced_eligibility_types: [],
    evidence,
    evidence_details: {
      due_by: startOfDay(dispute.created) + 21 * DAY - 1,
      enhanced_eligibility: {},
      has_evidence: fought && asOf >= dispute.created + 7 * DAY,
      past_due: !fought && asOf > startOfDay(dispute.created) + 21 * DAY,
      submission_count: fought && asOf >= dispute.created + 7 * DAY ? 1 : 0,
    },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: inv >= 0 ? store.id('payment_intent', inv) : null,
    payment_method_details: pm ? { card: { brand: pm.brand, case_type: 'chargeback', network: pm.brand, network_reason_code: dispute.reason === 'fraudulent' ? '10.4' : '13.1' }, type: 'card' } : null,
    reason: dispute.reason,
    status,
  };
}

export function renderPayout(ctx: RenderContext, idx: number): Json {
  const { store, asOf } = ctx;
  const payout = store.payouts[idx]!;
  return {
    id: store.id('payout', idx),
    object: 'payout',
    amount: payout.amount,
    application_fee: null,
    application_fee_amount: null,
    arrival_date: payout.arrivalDate,
    automatic: true,
    balance_transaction: store.id('balance_transaction', payout.balanceTransaction),
    created: payout.created,
    currency: store.settings.defaultCurrency,
    description: 'STRIPE PAYOUT',
    destination: `ba_${store.ids.token(0xba, 0, 24)}`,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: {},
    method: 'standard',
    original_payout: null,
    payout_method: null,
    reconciliation_status: payout.arrivalDate <= asOf ? 'completed' : 'in_progress',
    reversed_by: null,
    source_type: 'card',
    statement_descriptor: null,
    status: payout.arrivalDate <= asOf ? 'paid' : 'in_transit',
    trace_id: { status: payout.arrivalDate <= asOf ? 'supported' : 'pending', value: null },
    type: 'bank_account',
  };
}
