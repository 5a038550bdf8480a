import { minorPerMajor } from '../money.js';
import { NO_EXPAND, idOr, type Expand, type Json, type RenderContext } from './context.js';

export function renderProduct(ctx: RenderContext, idx: number): Json {
  const { store } = ctx;
  const product = store.products[idx]!;
  const defaultPrice = product.defaultPrice >= 0 && store.prices[product.defaultPrice]!.created <= ctx.asOf ? store.id('price', product.defaultPrice) : null;
  return {
    id: store.id('product', idx),
    object: 'product',
    active: true,
    created: product.created,
    default_price: defaultPrice,
    description: product.description,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: product.metadata,
    name: product.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    type: 'service',
    unit_label: product.unitLabel,
    updated: product.created,
    url: null,
  };
}

export function renderPrice(ctx: RenderContext, idx: number, expand: Expand = NO_EXPAND): Json {
  const { store } = ctx;
  const price = store.prices[idx]!;
  const recurring = price.recurring
    ? {
        interval: price.recurring.interval,
        interval_count: price.recurring.intervalCount,
        meter: price.recurring.usageType === 'metered' ? `mtr_${store.ids.token(0x3e7, price.idx, 24)}` : null,
        trial_period_days: null,
        usage_type: price.recurring.usageType,
      }
    : null;
  const json: Json = {
    id: store.id('price', idx),
    object: 'price',
    active: price.active,
    billing_scheme: price.tiers ? 'tiered' : 'per_unit',
    created: price.created,
    currency: price.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: price.lookupKey,
    metadata: price.metadata,
    nickname: price.nickname,
    product: idOr(expand, 'product', store.id('product', price.product), () => renderProduct(ctx, price.product)),
    recurring,
    tax_behavior: 'exclusive',
    tiers_mode: price.tiersMode,
    transform_quantity: null,
    type: price.recurring ? 'recurring' : 'one_time',
    unit_amount: price.unitAmount,
    unit_amount_decimal: price.unitAmount === null ? null : String(price.unitAmount),
  };
  // Stripe includes tiers only when asked for them.
  if (expand.has('tiers')) {
    json['tiers'] = price.tiers
      ? price.tiers.map((tier) => ({
          flat_amount: tier.flatAmount,
          flat_amount_decimal: String(tier.flatAmount),
          unit_amount: tier.unitAmount,
          unit_amount_decimal: String(tier.unitAmount),
          up_to: tier.upTo,
        }))
      : null;
  }
  return json;
}

/** The legacy `plan` view of a recurring price that subscription items still carry. */
export function renderPlan(ctx: RenderContext, idx: number): Json {
  const { store } = ctx;
  const price = store.prices[idx]!;
  return {
    id: store.id('price', idx),
    object: 'plan',
    active: price.active,
    amount: price.unitAmount,
    amount_decimal: price.unitAmount === null ? null : String(price.unitAmount),
    billing_scheme: price.tiers ? 'tiered' : 'per_unit',
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? null,
    interval_count: price.recurring?.intervalCount ?? null,
    livemode: false,
    metadata: price.metadata,
    meter: price.recurring?.usageType === 'metered' ? `mtr_${store.ids.token(0x3e7, price.idx, 24)}` : null,
    nickname: price.nickname,
    product: store.id('product', price.product),
    tiers_mode: price.tiersMode,
    transform_usage: null,
    trial_period_days: null,
    usage_type: price.recurring?.usageType ?? 'licensed',
  };
}

export function renderCoupon(ctx: RenderContext, idx: number): Json {
  const { store } = ctx;
  const coupon = store.coupons[idx]!;
  if (!coupon.redemptionsSorted) {
    coupon.redemptions.sort((a, b) => a - b);
    coupon.redemptionsSorted = true;
  }
  let redeemed = 0;
  for (const at of coupon.redemptions) if (at <= ctx.asOf) redeemed++;
  const valid = (coupon.redeemBy === 0 || coupon.redeemBy > ctx.asOf) && (coupon.maxRedemptions === null || redeemed < coupon.maxRedemptions);
  return {
    id: coupon.id,
    object: 'coupon',
    amount_off: coupon.amountOff,
    created: coupon.created,
    currency: coupon.amountOff !== null ? coupon.currency : null,
    duration: coupon.duration,
    duration_in_months: coupon.duration === 'repeating' ? coupon.durationInMonths : null,
    livemode: false,
    max_redemptions: coupon.maxRedemptions,
    metadata: coupon.metadata,
    name: coupon.name,
    percent_off: coupon.percentOff,
    redeem_by: coupon.redeemBy || null,
    times_redeemed: redeemed,
    valid,
  };
}

export function renderDiscount(ctx: RenderContext, idx: number): Json {
  const { store } = ctx;
  const discount = store.discounts[idx]!;
  return {
    id: store.id('discount', idx),
    object: 'discount',
    checkout_session: null,
    customer: store.id('customer', discount.customer),
    customer_account: null,
    end: discount.end || null,
    invoice: null,
    invoice_item: null,
    promotion_code: null,
    source: { coupon: store.coupons[discount.coupon]!.id, type: 'coupon' },
    start: discount.start,
    subscription: store.id('subscription', discount.subscription),
    subscription_item: null,
  };
}

export function renderTaxRate(ctx: RenderContext, idx: number): Json {
  const { store } = ctx;
  const rate = store.taxRates[idx]!;
  return {
    id: store.id('tax_rate', idx),
    object: 'tax_rate',
    active: true,
    country: rate.country,
    created: rate.created,
    description: rate.description,
    display_name: rate.displayName,
    effective_percentage: rate.percentage,
    flat_amount: null,
    inclusive: false,
    jurisdiction: rate.country,
    jurisdiction_level: 'country',
    livemode: false,
    metadata: {},
    percentage: rate.percentage,
    rate_type: 'percentage',
    state: null,
    tax_type: 'vat',
  };
}

export function zeroDecimal(currency: string): boolean {
  return minorPerMajor(currency) === 1;
}

