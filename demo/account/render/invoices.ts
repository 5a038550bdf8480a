import { DRAFT_DELAY, RETRY_OFFSETS } from '../billing/rules.js';
import { BILLING_REASONS, stateAt } from '../model.js';
import { shortDate } from '../time.js';
import type { AccountStore } from '../store.js';
import { renderDiscount, zeroDecimal } from './catalog.js';
import { EMPTY_ADDRESS, NO_EXPAND, formatMoney, idOr, listOf, stateOf, type Expand, type Json, type RenderContext } from './context.js';
import { renderCustomer, renderPaymentMethod } from './customers.js';

const EMBEDDED_LIST_LIMIT = 10;

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';

export function invoiceStatusAt(store: AccountStore, inv: number, asOf: number): InvoiceStatus {
  const c = store.invoices.c;
  const at = (t: number) => t > 0 && t <= asOf;
  if (at(c.voidedAt[inv]!)) return 'void';
  if (at(c.paidAt[inv]!)) return 'paid';
  if (at(c.uncollectibleAt[inv]!)) return 'uncollectible';
  if (at(c.finalizedAt[inv]!)) return 'open';
  return 'draft';
}

function finalizesAt(store: AccountStore, inv: number): number {
  const c = store.invoices.c;
  return c.created[inv]! + (BILLING_REASONS[c.billingReason[inv]!] === 'subscription_cycle' ? DRAFT_DELAY : 1);
}

/** Payment attempts made by `asOf`, and the next one planned then (0 when none). */
function attemptsAt(store: AccountStore, inv: number, asOf: number): { made: number; next: number } {
  const c = store.invoices.c;
  const finalized = c.finalizedAt[inv]!;
  if (c.noAttempts[inv] || c.amountDue[inv] === 0) return { made: 0, next: 0 };
  if (!finalized || finalized > asOf) return { made: 0, next: c.voidedAt[inv] ? 0 : finalizesAt(store, inv) + 1 };
  const first = finalized + 1;
  const total = c.attempts[inv]!;
  let made = 0;
  while (made < total && first + RETRY_OFFSETS[made]! <= asOf) made++;
  const status = invoiceStatusAt(store, inv, asOf);
  if (status !== 'open') return { made, next: 0 };
  if (made < total) return { made, next: first + RETRY_OFFSETS[made]! };
  if (made === 0) return { made, next: first };
  return { made, next: c.nextAttemptAt[inv]! };
}

function hostedToken(store: AccountStore, inv: number): string {
  return `test_${store.ids.token(0x1a7, inv, 48)}`;
}

function taxesFor(store: AccountStore, taxRate: number, amount: number, taxable: number): Json[] {
  if (taxRate < 0) return [];
  return [
    {
      amount,
      tax_behavior: 'exclusive',
      tax_rate_details: { tax_rate: store.id('tax_rate', taxRate) },
      taxability_reason: 'standard_rated',
      taxable_amount: taxable,
      type: 'tax_rate_details',
    },
  ];
}

export function renderInvoice(ctx: RenderContext, inv: number, expand: Expand = NO_EXPAND): Json {
  const { store, asOf } = ctx;
  const c = store.invoices.c;
  const id = store.id('invoice', inv);
  const customerIdx = c.customer[inv]!;
  const customer = store.customers[customerIdx]!;
  const finalized = c.finalizedAt[inv]!;
  const isFinal = finalized > 0 && finalized <= asOf;
  // Stripe copies the customer's details onto the invoice when it is finalized.
  const owner = stateAt(customer, isFinal ? finalized : asOf);
  const status = invoiceStatusAt(store, inv, asOf);
  const { made, next } = attemptsAt(store, inv, asOf);
  const currency = store.currencyOf(c.currency[inv]!);
  const amountDue = c.amountDue[inv]!;
  const amountPaid = status === 'paid' ? amountDue : 0;
  const discount = c.discount[inv]!;
  const subIdx = c.subscription[inv]!;
  const cn = c.creditNote[inv]!;
  const creditNoted = cn >= 0 && store.creditNotes[cn]!.created <= asOf ? store.creditNotes[cn]!.amount : 0;
  const lineCount = c.lineCount[inv]!;
  const lineStart = c.lineStart[inv]!;
  const lines: Json[] = [];
  const linesExpand = expand.get('lines')?.get('data') ?? NO_EXPAND;
  for (let i = 0; i < Math.min(lineCount, EMBEDDED_LIST_LIMIT); i++) lines.push(renderLine(ctx, lineStart + i, linesExpand));
  const stamp = (t: number) => (t > 0 && t <= asOf ? t : null);
  const discountsExpand = expand.get('discounts');
  const subtotal = c.subtotal[inv]!;
  const discountTotal = c.discountTotal[inv]!;
  const paid = status === 'paid';
  const hosted = isFinal ? hostedToken(store, inv) : null;
  const defaultPm = subIdx >= 0 ? stateOf(ctx, store.subscriptions[subIdx]!).defaultPm : -1;
  return {
    id,
    object: 'invoice',
    account_country: store.settings.country,
    account_name: store.settings.businessName,
    account_tax_ids: null,
    amount_due: amountDue,
    amount_overpaid: 0,
    amount_paid: amountPaid,
    amount_remaining: status === 'void' ? 0 : amountDue - amountPaid,
    amount_shipping: 0,
    application: null,
    attempt_count: made,
    attempted: made > 0 || paid,
    auto_advance: status === 'draft' || (status === 'open' && next > 0),
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: status === 'draft' ? finalizesAt(store, inv) : null,
    billing_reason: BILLING_REASONS[c.billingReason[inv]!],
    collection_method: 'charge_automatically',
    created: c.created[inv]!,
    currency,
    custom_fields: null,
    customer: idOr(expand, 'customer', store.id('customer', customerIdx), (nested) => renderCustomer(ctx, customerIdx, nested)),
    customer_account: null,
    customer_address: customer.country ? { ...EMPTY_ADDRESS, country: customer.country } : null,
    customer_email: owner.email,
    customer_name: owner.name,
    customer_phone: owner.phone,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: idOr(expand, 'default_payment_method', defaultPm >= 0 ? store.id('payment_method', defaultPm) : null, (nested) => renderPaymentMethod(ctx, defaultPm, nested)),
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: discount >= 0 ? [discountsExpand ? renderDiscount(ctx, discount) : store.id('discount', discount)] : [],
    due_date: null,
    effective_at: isFinal ? finalized : null,
    ending_balance: isFinal ? Math.min(0, c.total[inv]! + c.startingBalance[inv]!) : null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: hosted && `https://invoice.stripe.com/i/${store.accountId}/${hosted}`,
    invoice_pdf: hosted && `https://pay.stripe.com/invoice/${store.accountId}/${hosted}/pdf`,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: listOf(lines, lineCount > EMBEDDED_LIST_LIMIT, `/v1/invoices/${id}/lines`),
    livemode: false,
    metadata: {},
    next_payment_attempt: next || null,
    number: isFinal ? `${customer.invoicePrefix}-${String(c.numberSeq[inv]!).padStart(4, '0')}` : null,
    on_behalf_of: null,
    parent: subIdx >= 0 ? { quote_details: null, subscription_details: { metadata: {}, subscription: store.id('subscription', subIdx) }, type: 'subscription_details' } : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: c.periodEnd[inv]!,
    period_start: c.periodStart[inv]!,
    post_payment_credit_notes_amount: creditNoted,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: { amount_tax_display: null, pdf: { page_size: 'auto' }, template: null, template_version: null },
    shipping_cost: null,
    shipping_details: null,
    starting_balance: c.startingBalance[inv]!,
    statement_descriptor: null,
    status,
    status_transitions: {
      finalized_at: stamp(finalized),
      marked_uncollectible_at: stamp(c.uncollectibleAt[inv]!),
      paid_at: stamp(c.paidAt[inv]!),
      voided_at: stamp(c.voidedAt[inv]!),
    },
    // This API version moved the subscription to parent.subscription_details.
    subscription: null,
    subtotal,
    subtotal_excluding_tax: subtotal,
    test_clock: null,
    total: c.total[inv]!,
    total_discount_amounts: discount >= 0 ? [{ amount: discountTotal, discount: store.id('discount', discount) }] : [],
    total_excluding_tax: subtotal - discountTotal,
    total_pretax_credit_amounts: [],
    total_taxes: taxesFor(store, c.taxRate[inv]!, c.taxTotal[inv]!, subtotal - discountTotal),
    webhooks_delivered_at: isFinal ? c.created[inv]! : null,
  };
}

function intervalText(interval: string, count: number): string {
  return count === 1 ? interval : `every ${count} ${interval}s`;
}

function lineDescription(store: AccountStore, line: number): string {
  const l = store.lines.c;
  const price = store.prices[l.price[line]!]!;
  const product = store.products[price.product]!.name;
  const quantity = l.quantity[line]!;
  const what = quantity === 1 ? product : `${quantity} × ${product}`;
  if (l.trial[line]) return `Trial period for ${product}`;
  if (l.kind[line] === 1) {
    const ii = l.invoiceItem[line]!;
    const credit = ii >= 0 ? store.invoiceItems.c.credit[ii] === 1 : l.amount[line]! < 0;
    return `${credit ? 'Unused' : 'Remaining'} time on ${what} after ${shortDate(l.periodStart[line]!)}`;
  }
  const interval = price.recurring ? intervalText(price.recurring.interval, price.recurring.intervalCount) : 'unit';
  if (price.tiers) return `${quantity} × ${product} (${price.tiersMode === 'volume' ? 'volume' : 'graduated'} tiers, per ${interval})`;
  const unit = formatMoney(price.unitAmount ?? 0, price.currency, zeroDecimal(price.currency));
  return `${quantity} × ${product} (at ${unit} / ${interval})`;
}

function decimal(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(12).replace(/0+$/, '');
}

export function renderLine(ctx: RenderContext, line: number, expand: Expand = NO_EXPAND): Json {
  const { store } = ctx;
  const l = store.lines.c;
  const inv = l.invoice[line]!;
  const ic = store.invoices.c;
  const amount = l.amount[line]!;
  const quantity = l.quantity[line]!;
  const priceIdx = l.price[line]!;
  const price = store.prices[priceIdx]!;
  const subIdx = ic.subscription[inv]!;
  const discount = ic.discount[inv]!;
  const proration = l.kind[line] === 1;
  const ii = l.invoiceItem[line]!;
  const unit = price.tiers || proration ? (quantity ? decimal(amount / quantity) : '0') : String(price.unitAmount ?? 0);
  return {
    id: store.id('line_item', line),
    object: 'line_item',
    amount,
    currency: store.currencyOf(ic.currency[inv]!),
    description: lineDescription(store, line),
    discount_amounts: discount >= 0 ? [{ amount: l.discountAmount[line]!, discount: store.id('discount', discount) }] : [],
    discountable: true,
    discounts: [],
    invoice: store.id('invoice', inv),
    livemode: false,
    metadata: {},
    parent: {
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: ii >= 0 ? store.id('invoiceitem', ii) : null,
        proration,
        proration_details: { credited_items: null },
        subscription: subIdx >= 0 ? store.id('subscription', subIdx) : null,
        subscription_item: l.subscriptionItem[line]! >= 0 ? store.id('subscription_item', l.subscriptionItem[line]!) : null,
      },
      type: 'subscription_item_details',
    },
    period: { end: l.periodEnd[line]!, start: l.periodStart[line]! },
    pretax_credit_amounts: [],
    pricing: { price_details: { price: store.id('price', priceIdx), product: store.id('product', price.product) }, type: 'price_details', unit_amount_decimal: unit },
    quantity,
    quantity_decimal: String(quantity),
    subscription: subIdx >= 0 ? store.id('subscription', subIdx) : null,
    subtotal: amount,
    taxes: taxesFor(store, ic.taxRate[inv]!, l.taxAmount[line]!, amount - l.discountAmount[line]!),
  };
}

export function renderInvoiceItem(ctx: RenderContext, item: number, expand: Expand = NO_EXPAND): Json {
  const { store, asOf } = ctx;
  const c = store.invoiceItems.c;
  const inv = c.invoice[item]!;
  const attached = inv >= 0 && store.invoices.c.created[inv]! <= asOf;
  const priceIdx = c.price[item]!;
  const price = store.prices[priceIdx]!;
  const quantity = c.quantity[item]!;
  const amount = c.amount[item]!;
  const subIdx = c.subscription[item]!;
  const product = store.products[price.product]!.name;
  const what = quantity === 1 ? product : `${quantity} × ${product}`;
  const customerIdx = c.customer[item]!;
  return {
    id: store.id('invoiceitem', item),
    object: 'invoiceitem',
    amount,
    currency: store.currencyOf(c.currency[item]!),
    customer: idOr(expand, 'customer', store.id('customer', customerIdx), (nested) => renderCustomer(ctx, customerIdx, nested)),
    customer_account: null,
    date: c.created[item]!,
    description: `${c.credit[item] ? 'Unused' : 'Remaining'} time on ${what} after ${shortDate(c.periodStart[item]!)}`,
    discountable: true,
    discounts: [],
    invoice: attached ? idOr(expand, 'invoice', store.id('invoice', inv), (nested) => renderInvoice(ctx, inv, nested)) : null,
    livemode: false,
    metadata: {},
    net_amount: amount,
    parent: subIdx >= 0 ? { subscription_details: { subscription: store.id('subscription', subIdx) }, type: 'subscription_details' } : null,
    period: { end: c.periodEnd[item]!, start: c.periodStart[item]! },
    pricing: { price_details: { price: store.id('price', priceIdx), product: store.id('product', price.product) }, type: 'price_details', unit_amount_decimal: quantity ? decimal(amount / quantity) : '0' },
    proration: c.proration[item] === 1,
    quantity,
    quantity_decimal: String(quantity),
    tax_rates: [],
    test_clock: null,
  };
}

export function renderCreditNote(ctx: RenderContext, idx: number, expand: Expand = NO_EXPAND): Json {
  const { store } = ctx;
  const cn = store.creditNotes[idx]!;
  const id = store.id('credit_note', idx);
  const ic = store.invoices.c;
  const currency = store.currencyOf(ic.currency[cn.invoice]!);
  const firstLine = ic.lineStart[cn.invoice]!;
  return {
    id,
    object: 'credit_note',
    amount: cn.amount,
    amount_shipping: 0,
    created: cn.created,
    currency,
    customer: idOr(expand, 'customer', store.id('customer', cn.customer), (nested) => renderCustomer(ctx, cn.customer, nested)),
    customer_account: null,
    customer_balance_transaction: null,
    discount_amount: 0,
    discount_amounts: [],
    effective_at: cn.created,
    invoice: idOr(expand, 'invoice', store.id('invoice', cn.invoice), (nested) => renderInvoice(ctx, cn.invoice, nested)),
    lines: listOf([renderCreditNoteLine(ctx, idx, firstLine)], false, `/v1/credit_notes/${id}/lines`),
    livemode: false,
    memo: null,
    metadata: {},
    number: cn.number,
    out_of_band_amount: null,
    pdf: `https://pay.stripe.com/credit_notes/${store.accountId}/test_${store.ids.token(0xc4, idx, 40)}/pdf`,
    post_payment_amount: cn.amount,
    pre_payment_amount: 0,
    pretax_credit_amounts: [],
    reason: cn.reason,
    refunds: [{ amount_refunded: cn.amount, payment_record_refund: null, refund: store.id('refund', cn.refund), type: 'refund' }],
    shipping_cost: null,
    status: 'issued',
    subtotal: cn.amount,
    subtotal_excluding_tax: cn.amount,
    total: cn.amount,
    total_excluding_tax: cn.amount,
    total_taxes: [],
    type: 'post_payment',
    voided_at: null,
  };
}

export function renderCreditNoteLine(ctx: RenderContext, idx: number, invoiceLine: number): Json {
  const { store } = ctx;
  const cn = store.creditNotes[idx]!;
  return {
    id: store.id('credit_note_line_item', idx),
    object: 'credit_note_line_item',
    amount: cn.amount,
    description: lineDescription(store, invoiceLine),
    discount_amount: 0,
    discount_amounts: [],
    invoice_line_item: store.id('line_item', invoiceLine),
    livemode: false,
    metadata: {},
    pretax_credit_amounts: [],
    quantity: 1,
    tax_rates: [],
    taxes: [],
    type: 'invoice_line_item',
    unit_amount: null,
    unit_amount_decimal: null,
  };
}

