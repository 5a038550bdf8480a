{{ config(materialized='table') }}

-- Each Stripe customer's lifecycle stage at the end of each month, for the
-- pipeline's stage-to-stage movements. The current month is the stage of
-- int_lifecycle__customer_stages; past months apply the same rules to that
-- month's snapshot, except at_risk, whose signals (invoice and card states)
-- Stripe does not keep history of.
with customer_months as (
    select monthly.customer_id, monthly.month, monthly.mrr, monthly.first_payment_mrr_at_month_rates, monthly.had_mrr_before, months.snapshot_at, months.is_current_month
    from {{ ref('int_mrr__customer_monthly') }} as monthly
    inner join {{ ref('int_calendar__months') }} as months on months.month = monthly.month
),

trialing_at as (
    select distinct customer_months.customer_id, customer_months.month
    from customer_months
    inner join {{ ref('int_identity__record_customers') }} as records
        on records.customer_id = customer_months.customer_id and records.record_source = 'stripe'
    inner join {{ ref('stg_stripe__subscriptions') }} as subscriptions
        on subscriptions.customer_id = records.stripe_customer_id
    where subscriptions.trial_start_at <= customer_months.snapshot_at
      and subscriptions.trial_end_at > customer_months.snapshot_at
      and coalesce(subscriptions.ended_at, 'infinity'::timestamptz) > customer_months.snapshot_at
)

select
    customer_months.customer_id,
    customer_months.month,
    case
        when customer_months.is_current_month then stages.lifecycle_stage
        when customer_months.mrr = 0 and customer_months.had_mrr_before and trialing_at.customer_id is null then 'churned'
        when customer_months.mrr = 0 and trialing_at.customer_id is not null then 'trial'
        when customer_months.mrr > 0
             and signals.first_paid_at > customer_months.snapshot_at - to_days({{ var("lifecycle.activated_days") }})
            then 'activated'
        -- Both at the month's own rates: a rate change alone never makes a customer expanded.
        when customer_months.mrr > 0 and customer_months.mrr > customer_months.first_payment_mrr_at_month_rates then 'expanded'
        when customer_months.mrr > 0 then 'paying'
        else 'prospect'
    end as lifecycle_stage
from customer_months
left join trialing_at on trialing_at.customer_id = customer_months.customer_id and trialing_at.month = customer_months.month
left join {{ ref('int_lifecycle__customer_stages') }} as stages on stages.customer_id = customer_months.customer_id
left join {{ ref('int_lifecycle__customer_signals') }} as signals on signals.customer_id = customer_months.customer_id
