-- One row per Stripe subscription, with its canonical customer and its MRR
-- now in the reporting currency (0 when it does not count).
with records as (
    select customer_id, stripe_customer_id
    from {{ ref('int_identity__record_customers') }}
    where record_source = 'stripe'
),

mrr_now as (
    select
        snapshots.subscription_id,
        sum(
            snapshots.mrr
            * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4))
            * cast(case when snapshots.currency = reporting.currency then 1 else rates.rate_to_reporting end as decimal(38, 12))
        ) as mrr
    from {{ ref('int_mrr__subscription_snapshots') }} as snapshots
    inner join {{ ref('int_calendar__months') }} as months on months.month = snapshots.month and months.is_current_month
    cross join {{ ref('int_fx__reporting_currency') }} as reporting
    left join {{ ref('currencies') }} as digits on digits.currency = snapshots.currency
    left join {{ ref('int_fx__rates_monthly') }} as rates on rates.currency = snapshots.currency and rates.month = snapshots.month
    where snapshots.instant_kind = 'month_end'
    group by snapshots.subscription_id
)

select
    subscriptions.subscription_id,
    records.customer_id,
    subscriptions.customer_id as stripe_customer_id,
    subscriptions.status,
    subscriptions.currency,
    subscriptions.created_at,
    subscriptions.started_at,
    subscriptions.trial_end_at as trial_end,
    subscriptions.cancel_at_period_end,
    subscriptions.cancel_at,
    subscriptions.canceled_at,
    subscriptions.ended_at,
    coalesce(subscriptions.cancellation_feedback, subscriptions.cancellation_reason) as cancellation_reason,
    cast(round(coalesce(mrr_now.mrr, 0), 2) as decimal(18, 2)) as mrr
from {{ ref('stg_stripe__subscriptions') }} as subscriptions
left join records on records.stripe_customer_id = subscriptions.customer_id
left join mrr_now on mrr_now.subscription_id = subscriptions.subscription_id
