import { EMPTY_ADDRESS, NO_EXPAND, idOr, stateOf, type Expand, type Json, type RenderContext } from './context.js';

export function renderCustomer(ctx: RenderContext, idx: number, expand: Expand = NO_EXPAND): Json {
  const { store } = ctx;
  const customer = store.customers[idx]!;
  const s = stateOf(ctx, customer);
  const settingsExpand = expand.get('invoice_settings') ?? NO_EXPAND;
  return {
    id: store.id('customer', idx),
    object: 'customer',
    address: customer.country ? { ...EMPTY_ADDRESS, country: customer.country } : null,
    balance: s.balance,
    created: customer.created,
    currency: s.currency,
    default_source: null,
    delinquent: s.delinquent,
    description: s.description,
    discount: null,
    email: s.email,
    invoice_prefix: customer.invoicePrefix,
    invoice_settings: {
      custom_fields: null,
      default_payment_method: idOr(settingsExpand, 'default_payment_method', s.defaultPm >= 0 ? store.id('payment_method', s.defaultPm) : null, () => renderPaymentMethod(ctx, s.defaultPm)),
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: s.metadata,
    name: s.name,
    next_invoice_sequence: s.nextInvoiceSequence,
    phone: s.phone,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

/** What Stripe answers for a deleted customer. */
export function renderDeletedCustomer(ctx: RenderContext, idx: number): Json {
  return { id: ctx.store.id('customer', idx), object: 'customer', deleted: true };
}

export function renderPaymentMethod(ctx: RenderContext, idx: number, expand: Expand = NO_EXPAND): Json {
  const { store } = ctx;
  const pm = store.paymentMethods[idx]!;
  const s = stateOf(ctx, pm);
  const customer = store.customers[pm.customer]!;
  const owner = stateOf(ctx, customer);
  return {
    id: store.id('payment_method', idx),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: { address: { ...EMPTY_ADDRESS, country: customer.country }, email: owner.email, name: owner.name, phone: null, tax_id: null },
    card: {
      brand: pm.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: pm.country,
      display_brand: pm.brand,
      exp_month: s.expMonth,
      exp_year: s.expYear,
      fingerprint: store.ids.token(0xf1, idx, 16),
      funding: pm.funding,
      generated_from: null,
      last4: pm.last4,
      networks: { available: [pm.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: pm.created,
    customer: idOr(expand, 'customer', store.id('customer', pm.customer), (nested) => renderCustomer(ctx, pm.customer, nested)),
    customer_account: null,
    livemode: false,
    metadata: {},
    type: 'card',
  };
}
