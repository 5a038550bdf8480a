-- The items each subscription has now: product, price, quantity, and the
-- item's list MRR (before discounts) in the reporting currency.
with records as (
    select customer_id, stripe_customer_id
    from {{ ref('int_identity__record_customers') }}
    where record_source = 'stripe'
),

current_rates as (
    select rates.currency, case when rates.currency = reporting.currency then 1 else rates.rate_to_reporting end as rate
    from {{ ref('int_fx__rates_monthly') }} as rates
    inner join {{ ref('int_calendar__months') }} as months on months.month = rates.month and months.is_current_month
    cross join {{ ref('int_fx__reporting_currency') }} as reporting
),

live_segments as (
    select subscription_id, item_key, monthly_amount, currency
    from {{ ref('int_stripe__subscription_item_segments') }}
    where fact_kind = 'live'
)

select
    items.subscription_id,
    records.customer_id,
    items.subscription_item_id as item_id,
    items.price_id,
    products.product_name,
    prices.recurring_interval as interval,
    prices.recurring_interval_count as interval_count,
    prices.usage_type,
    items.quantity,
    cast(prices.unit_amount * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4)) as decimal(18, 4)) as unit_amount,
    prices.currency,
    cast(round(coalesce(
        live_segments.monthly_amount
        * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4))
        * cast(current_rates.rate as decimal(38, 12)),
        0), 2) as decimal(18, 2)) as mrr
from {{ ref('stg_stripe__subscription_items') }} as items
inner join {{ ref('stg_stripe__subscriptions') }} as subscriptions on subscriptions.subscription_id = items.subscription_id
left join records on records.stripe_customer_id = subscriptions.customer_id
left join {{ ref('stg_stripe__prices') }} as prices on prices.price_id = items.price_id
left join {{ ref('stg_stripe__products') }} as products on products.product_id = prices.product_id
left join {{ ref('currencies') }} as digits on digits.currency = prices.currency
left join current_rates on current_rates.currency = prices.currency
left join live_segments on live_segments.subscription_id = items.subscription_id and live_segments.item_key = items.subscription_item_id
