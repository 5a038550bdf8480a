{{ config(materialized='table') }}

-- Discounts that reduce MRR, per the mrr.discounts setting (metrics.md):
-- 'forever' (default) counts only coupons with duration forever, 'all' every
-- discount while it is active, 'none' nothing. A discount still on its
-- subscription runs until its end (open for forever coupons); one Stripe has
-- already removed is known from the invoices it was applied to and lasts
-- through the service period of the last of them.
with appearances as (
    select discount_id, subscription_id, coupon_id, started_at, ends_at,
        true as is_current, cast(null as timestamptz) as service_end_at
    from {{ ref('stg_stripe__subscription_discounts') }}
    union all
    select invoice_discounts.discount_id,
        coalesce(invoice_discounts.subscription_id, invoices.subscription_id),
        invoice_discounts.coupon_id, invoice_discounts.started_at, invoice_discounts.ends_at,
        false, service.service_end_at
    from {{ ref('stg_stripe__invoice_discounts') }} as invoice_discounts
    inner join {{ ref('stg_stripe__invoices') }} as invoices on invoices.invoice_id = invoice_discounts.invoice_id
    left join (
        select invoice_id, max(period_end_at) as service_end_at
        from {{ ref('stg_stripe__invoice_lines') }}
        group by invoice_id
    ) as service on service.invoice_id = invoice_discounts.invoice_id
    where invoices.status <> 'void'
),

discounts as (
    select
        discount_id,
        max(subscription_id) as subscription_id,
        max(coupon_id) as coupon_id,
        min(started_at) as started_at,
        max(ends_at) as ends_at,
        bool_or(is_current) as is_current,
        max(service_end_at) as service_end_at
    from appearances
    group by discount_id
)

select
    discounts.discount_id,
    discounts.subscription_id,
    discounts.coupon_id,
    coupons.duration,
    coupons.percent_off,
    coupons.amount_off,
    coupons.currency as amount_off_currency,
    discounts.started_at as discount_from,
    coalesce(
        discounts.ends_at,
        case when discounts.is_current then 'infinity'::timestamptz else discounts.service_end_at end,
        'infinity'::timestamptz
    ) as discount_to
from discounts
inner join {{ ref('stg_stripe__coupons') }} as coupons on coupons.coupon_id = discounts.coupon_id
where discounts.subscription_id is not null
  and discounts.started_at is not null
  and (
      '{{ var("mrr.discounts") }}' = 'all'
      or ('{{ var("mrr.discounts") }}' = 'forever' and coupons.duration = 'forever')
  )
